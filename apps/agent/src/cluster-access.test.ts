import { describe, expect, it } from 'vitest';
import { parseAgentArgs } from './parse-args.js';
import { parseRunArgs } from './parse-run-args.js';

/** What each command decided, in one shape: the kubeconfig file, the in-cluster address, or none. */
function syncAccess(env: Record<string, string>, flags: string[] = []) {
  const args = parseAgentArgs(['sync', '--once', '--all', ...flags], env);
  return args.kubeconfig ? { kubeconfigPath: args.kubeconfig } : args.inCluster ? { inCluster: args.inCluster } : 'none';
}
function runAccess(env: Record<string, string>, flags: string[] = []) {
  try {
    const { kube } = parseRunArgs(flags, env, () => undefined).config;
    return kube.kubeconfigPath ? { kubeconfigPath: kube.kubeconfigPath } : { inCluster: kube.inCluster };
  } catch (error) {
    if ((error as Error).message.includes('not in a cluster')) return 'none';
    throw error;
  }
}

const pod = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '6443' };

describe('cluster access: sync, diff and run decide alike', () => {
  it.each([
    ['a pod (host and port)', pod, [], { inCluster: { host: '10.0.0.1', port: '6443' } }],
    ['only the host (not a pod: client-go needs both)', { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, [], 'none'],
    ['only the port', { KUBERNETES_SERVICE_PORT: '443' }, [], 'none'],
    ['$KUBECONFIG wins over in-cluster, first file of a list', { ...pod, KUBECONFIG: '/k/a:/k/b' }, [], { kubeconfigPath: '/k/a' }],
    ['--kubeconfig wins over $KUBECONFIG', { KUBECONFIG: '/k/a' }, ['--kubeconfig', '/k/flag'], { kubeconfigPath: '/k/flag' }],
    ['an empty $KUBECONFIG is not set', { ...pod, KUBECONFIG: '' }, [], { inCluster: { host: '10.0.0.1', port: '6443' } }],
    ['nothing', {}, [], 'none'],
  ] as const)('%s', (_name, env, flags, expected) => {
    expect(syncAccess({ ...env }, [...flags])).toEqual(expected);
    expect(runAccess({ ...env }, [...flags])).toEqual(expected);
  });

  it('run refuses to start without access; sync and diff leave it to the connection (exit 3, kube.config)', () => {
    expect(() => parseRunArgs([], {}, () => undefined)).toThrow('no --kubeconfig, no $KUBECONFIG and not in a cluster');
    expect(parseAgentArgs(['diff', '--all'], {})).not.toHaveProperty('inCluster');
  });
});
