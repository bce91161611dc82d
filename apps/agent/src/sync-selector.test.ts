import { describe, expect, it } from 'vitest';
import { parseRunArgs } from './parse-run-args.js';
import { checkSyncSelector, defaultLeaseName } from './sync-selector.js';

const env = { KUBECONFIG: '/k/config', POD_NAME: 'agent-0', POD_NAMESPACE: 'ferry-system' };
const parse = (argv: string[]) => parseRunArgs(argv, env, () => undefined);

describe('--sync-selector', () => {
  it('passes the selector to the daemon and gives each shard a Lease of its own unless --lease-name names one', () => {
    const a = parse(['--sync-selector', 'ferry.dev/shard=a']).config;
    const b = parse(['--sync-selector', 'ferry.dev/shard=b']).config;
    expect(a.syncSelector).toBe('ferry.dev/shard=a');
    expect(a.leaderElection?.name).toMatch(/^ferry-agent-[0-9a-f]{10}$/);
    expect(b.leaderElection?.name).toMatch(/^ferry-agent-[0-9a-f]{10}$/);
    expect(a.leaderElection?.name).not.toBe(b.leaderElection?.name);
    // Spaces do not make another shard.
    expect(parse(['--sync-selector', 'ferry.dev/shard = a']).config.leaderElection?.name).toBe(a.leaderElection?.name);
    expect(parse(['--sync-selector', 'ferry.dev/shard=a', '--lease-name', 'shard-a']).config.leaderElection?.name).toBe('shard-a');
    const all = parse([]).config;
    expect(all.syncSelector).toBeUndefined();
    expect(all.leaderElection?.name).toBe('ferry-agent');
    expect(defaultLeaseName(undefined)).toBe('ferry-agent');
  });

  it.each([
    'shard=a', 'shard==a', 'shard!=a', 'shard', '!shard', 'ferry.dev/shard in (a, b)', 'tier notin (x),team=payments', 'app.kubernetes.io/part-of=shop,env=',
  ])('accepts %s', (selector) => {
    expect(checkSyncSelector(selector)).toBeUndefined();
  });

  it.each([
    ['', /empty/], ['shard=a,', /""/], ['shard=a b', /"shard=a b"/], ['shard in a,b', /"shard in a"/], ['-bad=a', /"-bad=a"/], ['Ferry.Dev/shard=a', /is not a label selector/],
  ])('refuses %j', (selector, message) => {
    expect(checkSyncSelector(selector)).toMatch(message);
    expect(() => parse(['--sync-selector', selector])).toThrow(/--sync-selector/);
  });
});
