// A fresh clone alone passes `npm test`: no test, script or tool reads a path outside the
// repository (the real-world corpus once lived in ../shared/corpus beside it; it is in corpus/ now,
// with corpus/SOURCES.md and corpus/LICENSES.md). The scan reads every tracked or new source and
// script, resolves the relative paths it names from the file's folder, and flags the ones that leave
// the repository, plus absolute paths of a developer machine. Each rule is shown to fail on a planted
// line first: a rule that cannot fail protects nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './packaging-kit.js';

const ROOT_NAMES = new Set(['repoRoot', 'root', 'repositoryRoot', 'workspaceRoot']);

/** What `text` (the file at repo-relative `path`) reads outside the repository: one line per finding. */
export function readsOutside(path: string, text: string): string[] {
  const dir = dirname(join(repoRoot, path));
  const out: string[] = [];
  const lineOf = (index: number): number => text.slice(0, index).split('\n').length;
  const outside = (target: string): boolean => {
    const rel = relative(repoRoot, target);
    return rel === '..' || rel.startsWith(`..${sep}`);
  };
  // 1. Absolute paths of one machine, and the old corpus location.
  for (const m of text.matchAll(/\/work\/|\/home\/[a-z][\w-]*\/|\/Users\/[A-Za-z]|shared\/corpus|['"]\.\.['"]\s*,\s*['"]shared['"]/g)) {
    out.push(`${path}:${lineOf(m.index)}: names a path outside the repository: ${m[0]}`);
  }
  // 2. A relative path (in a string, a URL, a shell line) that leaves the repository from this file's folder.
  for (const m of text.matchAll(/(?<![\w./-])((?:\.\.\/)+)([\w.-]*)/g)) {
    if (outside(resolve(dir, m[1]!, m[2]!))) out.push(`${path}:${lineOf(m.index)}: ${m[0]} leaves the repository`);
  }
  // 3. join/resolve(import.meta.dirname, '..', ...) and join(<repo root>, '..', ...).
  for (const m of text.matchAll(/\b(?:join|resolve)\(\s*([\w.]+)((?:\s*,\s*['"]\.\.['"])+)/g)) {
    const ups = (m[2]!.match(/\.\./g) ?? []).length;
    const base = m[1] === 'import.meta.dirname' || m[1] === '__dirname' ? dir : ROOT_NAMES.has(m[1]!) ? repoRoot : undefined;
    if (base && outside(resolve(base, ...Array<string>(ups).fill('..')))) out.push(`${path}:${lineOf(m.index)}: ${m[0]}) leaves the repository`);
  }
  return out;
}

/** Sources, tests and scripts: every tracked or new file that runs (data folders excluded). */
function scannedFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' }).split('\n');
  return listed.filter((f) => /\.(ts|mts|cts|js|mjs|cjs|sh)$|(^|\/)package\.json$|^Dockerfile$|^action\.yml$/.test(f) && !/(^|\/)(node_modules|dist)\//.test(f) && existsSync(join(repoRoot, f)));
}

describe('no test or script reads outside the repository', () => {
  it.each([
    ['the corpus beside the repository (as the corpus test read it before)', 'packages/promoter/src/core/x.test.ts', "const corpus = join(repoRoot, '..', 'shared', 'corpus');"],
    ['a URL above the repository root', 'packages/promoter/src/core/x.test.ts', "const shared = new URL('../../../../../shared/corpus/', import.meta.url);"],
    ['import.meta.dirname climbing out', 'tools/demo/src/x.test.ts', "const up = join(import.meta.dirname, '..', '..', '..', '..');"],
    ['a shell script reading a sibling folder', 'tools/testenv/scripts/x.sh', 'cp -r "$(dirname "$0")/../../../../shared/corpus" .'],
    ['an absolute path of this machine', 'tools/bench/x.mjs', "readFileSync('/work/shared/corpus/SOURCES.md');"],
  ])('flags %s', (_name, path, line) => {
    expect(readsOutside(path, `// planted\n${line}\n`).length).toBeGreaterThan(0);
  });

  it.each([
    ['the corpus inside the repository', 'packages/promoter/src/core/x.test.ts', "const corpus = join(repoRoot, 'corpus');"],
    ['the repository root from a package', 'packages/agent/src/faults/test/x.ts', "const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));"],
    ['a kustomization that names a sibling folder', 'packages/agent/src/adapters/renderers/x.test.ts', "const files = { 'app/kustomization.yaml': 'files:\\n  - ../shared/x.txt\\n' };"],
  ])('accepts %s', (_name, path, line) => {
    expect(readsOutside(path, `${line}\n`)).toEqual([]);
  });

  it('the corpus the tests use is in the repository, with its sources and licenses', () => {
    for (const file of ['corpus/SOURCES.md', 'corpus/LICENSES.md', 'corpus/LICENSE-Apache-2.0.txt']) expect(existsSync(join(repoRoot, file)), file).toBe(true);
    const sources = readFileSync(join(repoRoot, 'corpus/SOURCES.md'), 'utf8');
    const listed = [...sources.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
    const onDisk = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'corpus'], { cwd: repoRoot, encoding: 'utf8' })
      .split('\n').filter((f) => f.endsWith('.yaml')).map((f) => f.slice('corpus/'.length));
    // Every file has a recorded source, and every recorded source is there.
    expect(onDisk.sort()).toEqual(listed.sort());
  });

  it('every source, test and script of the repository stays inside it', () => {
    const self = relative(repoRoot, new URL(import.meta.url).pathname);
    const files = scannedFiles().filter((f) => f !== self);
    expect(files.length).toBeGreaterThan(100);
    const findings = files.flatMap((f) => readsOutside(f, readFileSync(join(repoRoot, f), 'utf8')));
    expect(findings).toEqual([]);
  });
});
