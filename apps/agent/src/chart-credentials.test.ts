// The Helm chart's credential values, rendered by the real helm: the arguments it writes are the
// ones `ferry-agent run` accepts, and the Secrets arrive as files (read at use), not variables.
import { helmPath } from '@ferry/testenv';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseRunArgs } from './parse-run-args.js';

const chart = fileURLToPath(new URL('../../../deploy/chart/ferry-agent', import.meta.url));
const exec = promisify(execFile);

interface Container { args: string[]; env: Array<{ name: string; value?: string }>; volumeMounts: Array<{ name: string; mountPath: string }> }
interface PodSpec { containers: Container[]; volumes: Array<{ name: string; secret?: { secretName: string } }> }

async function render(...set: string[]): Promise<PodSpec> {
  const { stdout } = await exec(helmPath(), ['template', 'ferry', chart, '-n', 'ferry-system', ...set.flatMap((s) => ['--set', s])]);
  const deployment = parseAllDocuments(stdout).map((d) => d.toJSON() as { kind?: string; spec?: { template: { spec: PodSpec } } }).find((d) => d?.kind === 'Deployment');
  return deployment!.spec!.template.spec;
}

/** The container's arguments and plain env values as `ferry-agent run` would read them. */
function parse(pod: PodSpec) {
  const container = pod.containers[0]!;
  const env = Object.fromEntries(container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
  return parseRunArgs(container.args.slice(1).map((a) => a.replace('$(POD_NAMESPACE)', 'ferry-system')), { ...env, KUBECONFIG: '/k' }, () => undefined);
}

describe('chart credential values', () => {
  it('githubApp: app flags, the key Secret mounted, statuses as the app', async () => {
    const pod = await render('githubApp.existingSecret=app-key', 'githubApp.appId=123456', 'githubApp.installationId=7890', 'githubApp.gitHosts=github.com', 'statusReporting.cluster=prod');
    const parsed = parse(pod);
    expect(parsed.githubApp).toEqual({ appId: '123456', installationId: '7890', privateKeyFile: '/etc/ferry/github-app/private-key.pem', gitHosts: ['github.com:443'] });
    expect(parsed.reporter).toMatchObject({ cluster: 'prod', token: { app: true } });
    expect(pod.volumes.find((v) => v.name === 'github-app')?.secret?.secretName).toBe('app-key');
    expect(pod.containers[0]!.volumeMounts).toContainEqual(expect.objectContaining({ name: 'github-app', mountPath: '/etc/ferry/github-app' }));
  });

  it('statusReporting: the token Secret is a mounted file (rotated without restart), never a variable', async () => {
    const pod = await render('statusReporting.existingSecret=status', 'statusReporting.cluster=prod');
    expect(parse(pod).reporter).toMatchObject({ cluster: 'prod', token: { file: '/etc/ferry/status-token/token' } });
    expect(pod.containers[0]!.env.map((e) => e.name)).not.toContain('FERRY_STATUS_TOKEN');
    expect(pod.volumes.find((v) => v.name === 'status-token')?.secret?.secretName).toBe('status');
  });

  it('refuses both at once and an app without its ids', async () => {
    await expect(render('githubApp.existingSecret=a', 'githubApp.appId=1', 'githubApp.installationId=2', 'statusReporting.existingSecret=t', 'statusReporting.cluster=c')).rejects.toThrow(/set one of statusReporting.existingSecret and githubApp.existingSecret/);
    await expect(render('githubApp.existingSecret=a', 'statusReporting.cluster=c')).rejects.toThrow(/githubApp.appId is required/);
    await expect(render('githubApp.existingSecret=a', 'githubApp.appId=1', 'githubApp.installationId=2')).rejects.toThrow(/statusReporting.cluster is required/);
  });
});
