import { describe, expect, it } from 'vitest';
import { ExitCode, worstExitCode } from './exit-codes.js';
import { parseAgentArgs } from './parse-args.js';

const env = { KUBECONFIG: '/k/config:/k/other', FERRY_KUBECTL: '/bin/kubectl', FERRY_GIT_TOKEN: 'tok' };

describe('parseAgentArgs', () => {
  it('reads a single source from flags', () => {
    const args = parseAgentArgs(['sync', '--once', '--url', 'https://git/acme/c.git', '--ref', 'tag:v1', '--path', 'apps/web', '--namespace', 'web', '--values', 'a.yaml', '--values', 'b.yaml', '--no-prune'], env);
    expect(args).toMatchObject({ command: 'sync', kubeconfig: '/k/config', kubectl: '/bin/kubectl' });
    expect(args.source).toMatchObject({
      name: 'cli', stateNamespace: 'default', bearerToken: 'tok',
      spec: { url: 'https://git/acme/c.git', ref: { tag: 'v1' }, path: 'apps/web', namespace: 'web', prune: false, helm: { valuesFiles: ['a.yaml', 'b.yaml'] } },
    });
  });

  it.each([
    [['--sync', 'ops/web'], { name: 'web', namespace: 'ops' }],
    [['--sync', 'web', '--sync-namespace', 'ops'], { name: 'web', namespace: 'ops' }],
    [['--sync', 'web'], { name: 'web', namespace: 'default' }],
    [['--all'], {}],
    [['--all', '--sync-namespace', 'ops'], { namespace: 'ops' }],
  ])('selects %j', (flags, selection) => {
    expect(parseAgentArgs(['diff', ...flags], {}).selection).toEqual(selection);
  });

  it.each([
    [['sync', '--all'], '--once'],
    [['apply', '--once', '--all'], 'unknown command'],
    [['sync', '--once'], 'exactly one'],
    [['sync', '--once', '--all', '--sync', 'x'], 'exactly one'],
    [['diff', '--all', '--concurrency', '0'], '--concurrency'],
    [['diff', '--all', '--health-timeout', 'soon'], '--health-timeout'],
    [['diff', '--all', '--bogus'], 'bogus'],
  ])('%j fails mentioning %s', (argv, text) => {
    expect(() => parseAgentArgs(argv, {})).toThrow(text);
  });

  it.each([
    ['a commit', 'a'.repeat(40), { commit: 'a'.repeat(40) }],
    ['a branch', 'release/1.x', { branch: 'release/1.x' }],
    ['a full branch ref', 'refs/heads/main', { branch: 'main' }],
    ['a full tag ref', 'refs/tags/v2', { tag: 'v2' }],
  ])('--ref %s', (_name, ref, expected) => {
    expect(parseAgentArgs(['diff', '--url', 'https://x/y', '--ref', ref], {}).source?.spec.ref).toEqual(expected);
  });
});

describe('worstExitCode', () => {
  it.each([
    [[], ExitCode.Ok],
    [[ExitCode.Ok, ExitCode.Changes], ExitCode.Changes],
    [[ExitCode.Unhealthy, ExitCode.Stalled, ExitCode.Failed], ExitCode.Stalled],
    [[ExitCode.Unhealthy, ExitCode.Failed], ExitCode.Failed],
  ])('%j -> %i', (codes, expected) => {
    expect(worstExitCode(codes)).toBe(expected);
  });
});
