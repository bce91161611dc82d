// Issue 17, bugs 3, 8 and 11a for a source given by flags: the render flags become helm and
// kustomize arguments, so they are checked like a Sync object's fields, and refused as bad flags
// (exit 2) before anything connects to a cluster.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseSyncSpec } from '@ferry/agent';
import { main } from './main.js';
import { parseAgentArgs } from './parse-args.js';

const url = 'https://git.example.com/acme/config.git';

async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  // No kubeconfig: a flag that got through would fail later with another exit code.
  const code = await main(argv, { stdout: new PassThrough(), stderr, env: {} });
  return { code, stderr: text };
}

describe('ferry-agent render flags', () => {
  it.each([
    // node:util parseArgs already refuses a value that looks like an option when given as a separate argument.
    [['--path', '--load-restrictor=LoadRestrictionsNone'], '--path', 'argument is ambiguous'],
    [['--path=--load-restrictor=LoadRestrictionsNone'], '--path', 'start with "-"'],
    [['--path', '/var/run/secrets'], '--path', 'relative to the repository root'],
    [['--path', 'apps/../../etc'], '--path', 'no ".."'],
    [['--render', 'helm', '--values', '-'], '--values', 'start with "-"'],
    [['--render', 'helm', '--values', 'ok.yaml', '--values=--set-file=x=/etc/passwd'], '--values', 'start with "-"'],
    [['--render', 'helm', '--helm-chart=--post-renderer=/bin/sh'], '--helm-chart', 'start with "-"'],
    [['--namespace=--kube-context=prod'], '--namespace', 'a namespace name'],
  ])('%j exits 2 naming %s', async (flags, flag, says) => {
    const { code, stderr } = await run(['diff', '--url', url, ...flags]);
    expect(code, stderr).toBe(2);
    expect(stderr).toContain(flag);
    expect(stderr).toContain(says);
    if (!says.includes('ambiguous')) expect(stderr).toContain('ferry-agent --help');
  });

  it.each([['.', ''], ['./', ''], ['./apps/web/', 'apps/web']])('--path %j is accepted (normalised when the spec is parsed)', (path, normalised) => {
    const args = parseAgentArgs(['diff', '--url', url, '--path', path, '--render', 'helm', '--values', './env/a.yaml'], {});
    expect(parseSyncSpec(args.source?.spec, 'flags')).toMatchObject({ path: normalised, helm: { valuesFiles: ['env/a.yaml'] } });
  });
});
