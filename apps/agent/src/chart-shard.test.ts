// The Helm chart's syncSelector, rendered by the real helm: the argument is one `ferry-agent run`
// accepts, and two releases (shards) get Leases of their own.
import { helmPath } from '@ferry/testenv';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseRunArgs } from './parse-run-args.js';

const chart = fileURLToPath(new URL('../../../deploy/chart/ferry-agent', import.meta.url));
const exec = promisify(execFile);

async function runArgs(release: string, ...set: string[]) {
  const { stdout } = await exec(helmPath(), ['template', release, chart, '-n', 'ferry-system', ...set.flatMap((s) => ['--set', s])]);
  const deployment = parseAllDocuments(stdout).map((d) => d.toJSON() as { kind?: string; spec?: { template: { spec: { containers: Array<{ args: string[] }> } } } }).find((d) => d?.kind === 'Deployment');
  const args = deployment!.spec!.template.spec.containers[0]!.args.slice(1);
  return parseRunArgs(args, { KUBECONFIG: '/k', POD_NAMESPACE: 'ferry-system' }, () => undefined).config;
}

describe('chart syncSelector', () => {
  it('one release per shard: each watches its selector and holds its own Lease', async () => {
    const a = await runArgs('shard-a', 'syncSelector=ferry.dev/shard in (a)');
    const b = await runArgs('shard-b', 'syncSelector=ferry.dev/shard=b');
    expect(a.syncSelector).toBe('ferry.dev/shard in (a)');
    expect(b.syncSelector).toBe('ferry.dev/shard=b');
    expect(a.leaderElection?.name).not.toBe(b.leaderElection?.name);
    expect((await runArgs('ferry')).syncSelector).toBeUndefined();
  });
});
