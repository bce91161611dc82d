// Ferry as npm users get it: the six published workspaces are packed with `npm pack` (the tarballs
// npm publish would upload), installed into a scratch project outside the repository, and used
// there: `npx ferry --help`, `npx ferry-agent --help`, the two examples of docs/library.md run as
// written (the promote one with a token against the real git server and the GitHub stand-in), and
// a TypeScript consumer type-checked against the shipped declarations. Runs on the dist/ the run
// built (`npm ci` builds it; `npx tsc -b` after edits), packed with --ignore-scripts so the test
// never rebuilds the tree other tests are reading. 25-60 s here (2 busy cores), most of it `npm install`
// (--prefer-offline: packages come from npm's cache when they are there).
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecretsInWorld, startEmulatorWorld, TEST_GITHUB_TOKEN, type EmulatorWorld } from '../index.js';
import { explain, NPM_QUIET_ENV, PUBLISHED, repoRoot, run } from './packaging-kit.js';

interface PackResult { name: string; version: string; filename: string; files: { path: string }[] }
interface Manifest {
  name: string; version: string; private?: boolean; license?: string; files?: string[]; main?: string; types?: string;
  exports?: Record<string, string | Record<string, string>>; bin?: Record<string, string>; publishConfig?: { access?: string };
  dependencies?: Record<string, string>; devDependencies?: Record<string, string>; peerDependencies?: Record<string, string>;
}

const manifestOf = (dir: string): Manifest => JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as Manifest;
const builtins = new Set(builtinModules);

/** The packages a JavaScript or declaration file imports (bare specifiers, Node built-ins left out). */
export function importedPackages(text: string): Set<string> {
  const out = new Set<string>();
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]/gm), // import x from 'p', export { y } from 'p' (multi-line too)
    ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm), // import 'p'
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g), // import('p'), also in declarations
  ].map((m) => m[1]!);
  for (const spec of specifiers) {
    if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || builtins.has(spec.split('/')[0]!)) continue;
    out.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
  }
  return out;
}

/** The ```js block under the `## heading` of docs/library.md. */
function docExample(heading: string): string {
  const doc = readFileSync(join(repoRoot, 'docs/library.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith(`${heading}\n`));
  const code = section?.match(/```js\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error(`docs/library.md: no js example under "## ${heading}"`);
  return code;
}

describe('the published packages', () => {
  let packDir: string;
  let packed: PackResult[];

  beforeAll(async () => {
    for (const { dir } of PUBLISHED) {
      const main = manifestOf(dir).main ?? './dist/index.js';
      if (!existsSync(join(repoRoot, dir, main))) throw new Error(`${dir}/${main} is missing: build first (npx tsc -b)`);
    }
    packDir = mkdtempSync(join(tmpdir(), 'ferry-pack-'));
    const r = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir, ...PUBLISHED.flatMap((p) => ['-w', p.dir])], { cwd: repoRoot, env: { ...process.env, ...NPM_QUIET_ENV } });
    if (r.code !== 0) throw new Error(`npm pack failed: ${explain(r)}`);
    packed = JSON.parse(r.stdout) as PackResult[];
  }, 60_000);
  afterAll(() => {
    if (packDir) rmSync(packDir, { recursive: true, force: true });
  });

  const packOf = (name: string): PackResult => {
    const p = packed.find((x) => x.name === name);
    if (!p) throw new Error(`${name} was not packed`);
    return p;
  };

  it.each(PUBLISHED)('$name: a publishable manifest whose entry points are all in the tarball', ({ dir, name }) => {
    const m = manifestOf(dir);
    const files = new Set(packOf(name).files.map((f) => f.path));
    const has = (path: string) => files.has(path.replace(/^\.\//, ''));
    expect(m.name).toBe(name);
    expect(m.private).toBeUndefined();
    expect(m.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(m.license).toBe('Apache-2.0');
    expect(m.publishConfig?.access).toBe('public');
    expect(Array.isArray(m.files)).toBe(true);
    expect(has('LICENSE') && has('package.json')).toBe(true);
    const dot = m.exports?.['.'];
    expect(typeof dot).toBe('object');
    const targets = Object.entries(dot as Record<string, string>);
    expect(targets.map(([condition]) => condition)).toEqual(expect.arrayContaining(['types', 'default']));
    // Every condition, @ferry/source included (the sources ship beside dist/), names a shipped file.
    for (const [condition, target] of targets) expect(has(target), `exports["."]["${condition}"] = ${target}`).toBe(true);
    expect(has(m.main!) && has(m.types!)).toBe(true);
    for (const [bin, target] of Object.entries(m.bin ?? {})) expect(has(target), `bin ${bin}`).toBe(true);
    // Dependencies resolve from the registry: no workspace-only specs, and sibling packages at the version they have.
    for (const [dep, spec] of Object.entries({ ...m.dependencies, ...m.peerDependencies })) {
      expect(spec, `${dep}@${spec}`).not.toMatch(/^(file|link|workspace|portal|git\+?[a-z]*):|^\.{0,2}\//);
      const sibling = PUBLISHED.find((p) => p.name === dep);
      if (sibling) expect(spec).toBe(`^${manifestOf(sibling.dir).version}`);
      else if (dep.startsWith('@ferry/')) throw new Error(`${name} depends on ${dep}, which is not published`);
    }
  });

  it.each(PUBLISHED)('$name: ships no tests, fixtures, build info or stale build output', ({ name }) => {
    const files = packOf(name).files.map((f) => f.path);
    expect(files.filter((f) => /\.test\.|__fixtures__|(^|\/)test\/|tsbuildinfo|\.cluster\./.test(f))).toEqual([]);
    // Every compiled file has its source beside it: a file left in dist/ by a deleted source would ship otherwise.
    const sources = new Set(files.filter((f) => f.startsWith('src/') && f.endsWith('.ts')).map((f) => f.slice(4, -3)));
    const stale = files.filter((f) => f.startsWith('dist/') && f.endsWith('.js') && !sources.has(f.slice(5, -3)));
    expect(stale, 'dist/ holds the output of deleted sources: npx tsc -b --clean && npx tsc -b (prepack cleans before publishing)').toEqual([]);
  });

  it.each(PUBLISHED)('$name: every package its shipped code imports is a dependency, and every dependency is imported', ({ dir, name }) => {
    const m = manifestOf(dir);
    const imported = new Set<string>();
    for (const { path } of packOf(name).files) {
      if (!/^(dist|bin)\/.*\.(js|d\.ts)$/.test(path)) continue;
      for (const p of importedPackages(readFileSync(join(repoRoot, dir, path), 'utf8'))) imported.add(p);
    }
    const declared = Object.keys({ ...m.dependencies, ...m.peerDependencies });
    expect([...imported].filter((p) => !declared.includes(p)).sort(), 'imported but not in dependencies').toEqual([]);
    expect(declared.filter((p) => !imported.has(p)).sort(), 'in dependencies but never imported').toEqual([]);
  });

  describe('installed from the tarballs into a project outside the repository', () => {
    let scratch: string;
    let world: EmulatorWorld | undefined;
    const inScratch = (command: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
      run(command, args, { cwd: scratch, env: { ...process.env, ...NPM_QUIET_ENV, ...env }, timeoutMs: 90_000 });

    beforeAll(async () => {
      scratch = mkdtempSync(join(tmpdir(), 'ferry-consumer-'));
      writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
      const tarballs = packed.map((p) => join(packDir, p.filename));
      const r = await inScratch('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs]);
      if (r.code !== 0) throw new Error(`npm install of the tarballs failed: ${explain(r)}`);
    }, 120_000);
    afterAll(async () => {
      await world?.close();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    it('npx ferry --help and npx ferry-agent --help run the installed binaries', async () => {
      const ferry = await inScratch('npx', ['--no-install', 'ferry', '--help']);
      expect(ferry.code, explain(ferry)).toBe(0);
      expect(ferry.stdout).toMatch(/^Usage: ferry <command>/m);
      expect(ferry.stdout).toMatch(/\bpromote\b/);
      const agent = await inScratch('npx', ['--no-install', 'ferry-agent', '--help']);
      expect(agent.code, explain(agent)).toBe(0);
      expect(agent.stdout).toMatch(/ferry-agent sync --once/);
      // The binaries are the installed copies, not the repository's.
      expect(readFileSync(join(scratch, 'node_modules/@ferry/cli/package.json'), 'utf8')).toContain('"bin"');
    });

    it('the install holds runtime dependencies only (no build or test tooling, no private workspace)', () => {
      for (const dev of ['typescript', 'vitest', 'nx', 'eslint', 'esbuild', '@ferry/testenv', '@types/semver']) {
        expect(existsSync(join(scratch, 'node_modules', dev)), dev).toBe(false);
      }
    });

    it('"Set an image in a string" of docs/library.md prints what the page says', async () => {
      const code = docExample('Set an image in a string');
      writeFileSync(join(scratch, 'set-image.mjs'), code);
      const r = await inScratch(process.execPath, ['set-image.mjs']);
      expect(r.code, explain(r)).toBe(0);
      // The page's comments: `console.log(x); // <printed>` and the new content as `// ` lines at the end.
      const afterWrite = code.slice(code.indexOf('process.stdout.write'));
      const expectedContent = [...afterWrite.matchAll(/^\/\/ ?(.*)$/gm)].map((m) => `${m[1]}\n`).join('');
      expect(expectedContent).toContain('tag: "1.4.2"');
      expect(r.stdout.endsWith(expectedContent)).toBe(true);
      const squash = (s: string) => s.replace(/\s+/g, '');
      for (const m of code.matchAll(/^console\.log\(.*\); +\/\/ (.*)$/gm)) expect(squash(r.stdout)).toContain(squash(m[1]!));
    });

    it('"Promote with a token" of docs/library.md opens a pull request (real git server, GitHub stand-in)', async () => {
      world = await startEmulatorWorld({ tokens: [TEST_GITHUB_TOKEN], gitAuth: true });
      await world.git.createRepo('acme/config', {
        seed: {
          'ferry.yaml': 'environments:\n  staging: { branch: main }\napps:\n  web:\n    image: ghcr.io/acme/web\n    environments:\n      staging: { files: [envs/staging/values.yaml] }\n',
          'envs/staging/values.yaml': 'image:\n  repository: ghcr.io/acme/web # the app\n  tag: "1.4.1"\n',
        },
      });
      await world.github.setAllowAutoMerge('acme/config', true);
      writeFileSync(join(scratch, 'promote.mjs'), docExample('Promote with a token'));
      const r = await inScratch(process.execPath, ['promote.mjs'], { GITHUB_TOKEN: TEST_GITHUB_TOKEN, GITHUB_SERVER_URL: world.git.url, GITHUB_API_URL: world.github.url });
      expect(r.code, explain(r)).toBe(0);
      expect(r.stdout).toMatch(/^promoted \S+\/acme\/config\/pull\/1\n$/);
      // Auto-merge is allowed and nothing is required: the stand-in merges the pull request at once.
      const pulls = [...world.github.state.repos.get('acme/config')!.pulls.values()];
      expect(pulls.map((p) => ({ number: p.number, merged: p.merged }))).toEqual([{ number: 1, merged: true }]);
      const main = await run('git', ['show', 'refs/heads/main:envs/staging/values.yaml'], { cwd: world.git.repoPath('acme/config') });
      expect(main.stdout, explain(main)).toBe('image:\n  repository: ghcr.io/acme/web # the app\n  tag: "1.4.2"\n');
      expect(r.stdout + r.stderr).not.toContain(TEST_GITHUB_TOKEN);
      await expectNoSecretsInWorld(world);
    }, 60_000);

    it('a TypeScript consumer sees the shipped types (exports "types")', async () => {
      writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ['consumer.ts'],
      }));
      writeFileSync(join(scratch, 'consumer.ts'), [
        "import { planSetImage, type SetImagePlan } from '@ferry/promoter';",
        "import { FerryError, parseImageReference } from '@ferry/manifest-model';",
        "const plan: SetImagePlan = planSetImage([{ path: 'v.yaml', content: 'image: nginx:1\\n' }], { image: 'nginx', tag: '2' });",
        '// @ts-expect-error: the tag is a string (fails as "unused" if the types were any)',
        "planSetImage([{ path: 'v.yaml', content: '' }], { image: 'nginx', tag: 2 });",
        'export const used: unknown[] = [plan.changed, FerryError, parseImageReference];',
        '',
      ].join('\n'));
      const r = await inScratch(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', scratch]);
      expect(r.code, explain(r)).toBe(0);
    }, 60_000);
  });
});
