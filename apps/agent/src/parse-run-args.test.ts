import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunArgs } from './parse-run-args.js';

const env = { KUBECONFIG: '/k/config', POD_NAME: 'agent-0', POD_NAMESPACE: 'ferry-system' };
const parse = (argv: string[], extra: Record<string, string> = {}) => parseRunArgs(argv, { ...env, ...extra }, () => undefined);

describe('ferry-agent run flags', () => {
  it('defaults: all namespaces, metrics on :8080, Flux lease timings, no webhook without a secret', () => {
    const { config, graceMs } = parse([]);
    expect(config).toMatchObject({
      kube: { kubeconfigPath: '/k/config' }, identity: 'agent-0', concurrency: 16, maxConcurrent: 4,
      metricsAddress: { host: '0.0.0.0', port: 8080 }, gitIdleTimeoutMs: 60_000,
      leaderElection: { namespace: 'ferry-system', name: 'ferry-agent', leaseDurationMs: 35_000, renewDeadlineMs: 30_000, retryPeriodMs: 5_000 },
    });
    expect(config.namespace).toBeUndefined();
    expect(config.webhookAddress).toBeUndefined();
    expect(graceMs).toBe(25_000);
    expect(parse(['--git-idle-timeout', '2m']).config.gitIdleTimeoutMs).toBe(120_000);
  });

  it('namespace-scoped, webhook from a secret file, in-cluster config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'run-args-'));
    await writeFile(join(dir, 'secret'), 'a-long-enough-secret\n');
    const { config } = parseRunArgs(['--namespace', 'team-a', '--webhook-secret-file', join(dir, 'secret'), '--leader-elect', 'false', '--metrics-addr', '127.0.0.1:9000'], { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, () => undefined);
    expect(config).toMatchObject({ namespace: 'team-a', webhookSecret: 'a-long-enough-secret', webhookAddress: { port: 9292 }, metricsAddress: { host: '127.0.0.1', port: 9000 }, kube: { inCluster: { host: '10.0.0.1', port: '443' } } });
    expect(config.leaderElection).toBeUndefined();
  });

  it.each([
    [['--webhook-addr', ':9292'], {}, /needs a secret/],
    [[], { FERRY_WEBHOOK_SECRET: 'short' }, /at least 16/],
    [['--lease-duration', '35'], {}, /--lease-duration must be a duration/],
    [['--max-concurrent', '0'], {}, /--max-concurrent must be an integer/],
    [['--git-idle-timeout', 'soon'], {}, /--git-idle-timeout must be a duration/],
    [['--metrics-addr', 'localhost'], {}, /HOST:PORT/],
    [['--leader-elect', 'yes'], {}, /true or false/],
    [['extra'], {}, /unexpected argument extra/],
    [['--webhook-secret-file', '/does/not/exist'], {}, /cannot read --webhook-secret-file/],
  ] as const)('%j is refused with a clear message', (argv, extra, message) => {
    expect(() => parse([...argv], extra)).toThrow(message);
  });

  it('refuses to start without any way to reach a cluster', () => {
    expect(() => parseRunArgs([], {}, () => undefined)).toThrow(/not in a cluster/);
  });
});
