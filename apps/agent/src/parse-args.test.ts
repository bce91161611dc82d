import { defaultFlagName } from '@ferry/agent';
import { describe, expect, it } from 'vitest';
import { ExitCode, worstExitCode } from './exit-codes.js';
import { parseAgentArgs } from './parse-args.js';

const env = { KUBECONFIG: '/k/config:/k/other', FERRY_KUBECTL: '/bin/kubectl', FERRY_GIT_TOKEN: 'tok' };

describe('parseAgentArgs', () => {
  it('reads a single source from flags', () => {
    const args = parseAgentArgs(['sync', '--once', '--url', 'https://git/acme/c.git', '--ref', 'tag:v1', '--path', 'apps/web', '--namespace', 'web', '--values', 'a.yaml', '--values', 'b.yaml', '--no-prune'], env);
    expect(args).toMatchObject({ command: 'sync', kubeconfig: '/k/config', tools: { kubectl: '/bin/kubectl' } });
    expect(args.source).toMatchObject({
      name: defaultFlagName('https://git/acme/c.git', 'apps/web', 'web'), stateNamespace: 'default', bearerToken: 'tok',
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

describe('flag-mode names (issue 17, bugs 4 and 11b)', () => {
  const name = (...flags: string[]) => parseAgentArgs(['diff', ...flags], {}).source?.name;

  it('the default name comes from the source, so different repositories never share an inventory', () => {
    const a = name('--url', 'https://git.example/team1/config.git');
    expect(a).toMatch(/^cli-[0-9a-f]{12}$/);
    expect(name('--url', 'https://git.example/team2/config.git')).not.toBe(a);
    expect(name('--url', 'https://git.example/team1/config.git', '--path', 'apps')).not.toBe(a);
    expect(name('--url', 'https://git.example/team1/config.git', '--namespace', 'other')).not.toBe(a);
    // The same repository written differently, or with credentials or another ref, is the same source.
    expect(name('--url', 'https://bot:s3cret@GIT.example:443/team1/config/', '--ref', 'tag:v2', '--path', './')).toBe(a);
  });

  it('an explicit --name is kept', () => {
    expect(name('--url', 'https://x/y', '--name', 'web.prod-1')).toBe('web.prod-1');
    expect(name('--url', 'https://x/y', '--name', 'a'.repeat(63))).toBe('a'.repeat(63));
  });

  it.each([
    [['--name', 'Web'], '--name "Web": not a valid name'],
    [['--name', 'web_1'], 'not a valid name'],
    [['--name=-web'], 'not a valid name'],
    [['--name', 'web.'], 'not a valid name'],
    [['--name', 'a..b'], 'not a valid name'],
    [['--name', ''], 'not a valid name'],
    [['--name', 'a'.repeat(64)], 'at most 63 characters'],
    [['--name', 'web/prod'], 'not a valid name'],
    [['--state-namespace', 'Team_A'], '--state-namespace "Team_A": not a namespace name'],
    [['--state-namespace', 'a.b'], 'not a namespace name'],
    [['--adopt-inventory', 'yes'], 'expected the 12-hex source id'],
  ])('%j is refused at parse time', (flags, text) => {
    expect(() => parseAgentArgs(['sync', '--once', '--url', 'https://x/y', ...flags], {})).toThrow(text);
  });

  it.each([['--name', 'web'], ['--state-namespace', 'ops'], ['--adopt-inventory', '0123456789ab']])('%s without --url is refused', (flag, value) => {
    expect(() => parseAgentArgs(['diff', '--all', flag, value], {})).toThrow(`${flag} applies to a source given by flags (--url) only`);
  });

  it('--adopt-inventory takes a source id', () => {
    expect(parseAgentArgs(['diff', '--url', 'https://x/y', '--adopt-inventory', '0123456789ab'], {}).source?.adoptInventory).toBe('0123456789ab');
    expect(parseAgentArgs(['diff', '--url', 'https://x/y', '--adopt-inventory', 'unrecorded'], {}).source?.adoptInventory).toBe('unrecorded');
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
