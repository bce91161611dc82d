#!/usr/bin/env node
// Builds what bin/ferry.js runs: apps/cli/bundle/, the CLI and the libraries it uses (from their
// TypeScript sources, the "@ferry/source" export condition) bundled by esbuild into ES module
// chunks, one entry (main.js) plus a chunk per command and per lazily loaded library (Octokit).
// Issue 14: resolving, reading and compiling several hundred separate files (and lexing the
// CommonJS ones for their exports) was most of a small promotion's CPU; `ferry --help` loads
// main.js alone. Run by `npm run build` / `npm ci` (root "prepare") and by apps/cli's prepack;
// not committed (.gitignore). licenses.txt carries the bundled packages' notices.
//
// Layout: bundle/<digest of the output>/ holds one build (main.js, chunks, licenses.txt) and is
// never changed once written; bundle/main.js re-exports the newest build's main.js and is replaced
// atomically. A ferry process that started on an older build keeps importing that build's chunks
// (tests and the benchmark rebuild while other processes run), and builds older than an hour are
// removed.
//   node apps/cli/build-bundle.mjs
import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_BUNDLE_DIR = join(root, 'apps/cli/bundle');

/** Builds the bundle into CLI_BUNDLE_DIR (see the layout above); returns where and what it bundled. */
export async function buildCliBundle() {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['apps/cli/src/main.ts'],
    outdir: CLI_BUNDLE_DIR,
    bundle: true,
    splitting: true,
    chunkNames: 'chunk-[hash]',
    platform: 'node',
    target: 'node20',
    format: 'esm',
    conditions: ['@ferry/source'],
    // Some dependencies are CommonJS and require() node built-ins; an ES module has no require.
    banner: { js: "import { createRequire as __ferryCreateRequire } from 'node:module';\nconst require = __ferryCreateRequire(import.meta.url);" },
    minify: true,
    legalComments: 'none',
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  const licences = collectLicences(Object.keys(result.metafile.inputs));
  const files = [...result.outputFiles.map((f) => ({ name: basename(f.path), contents: Buffer.from(f.contents) })), { name: 'licenses.txt', contents: Buffer.from(licences.text) }];
  const digest = createHash('sha256');
  for (const f of files) digest.update(`${f.name}\0${f.contents.length}\0`).update(f.contents);
  const id = `build-${digest.digest('hex').slice(0, 16)}`;
  const buildDir = join(CLI_BUNDLE_DIR, id);
  if (!(await stat(join(buildDir, 'main.js')).catch(() => null))) {
    // Written beside, then renamed into place whole: a build directory is complete or absent.
    const temporary = join(CLI_BUNDLE_DIR, `${id}.${process.pid}.tmp`);
    await mkdir(temporary, { recursive: true });
    for (const f of files) await writeFile(join(temporary, f.name), f.contents);
    await rename(temporary, buildDir).catch(async (err) => {
      // Another process finished the same build first: same bytes.
      await rm(temporary, { recursive: true, force: true });
      if (!(await stat(join(buildDir, 'main.js')).catch(() => null))) throw err;
    });
  }
  const entry = join(CLI_BUNDLE_DIR, 'main.js');
  await writeFile(`${entry}.${process.pid}.tmp`, `export * from './${id}/main.js';\n`);
  await rename(`${entry}.${process.pid}.tmp`, entry);
  const hourAgo = Date.now() - 3_600_000;
  for (const name of await readdir(CLI_BUNDLE_DIR)) {
    if (name === id || name === 'main.js') continue;
    const info = await stat(join(CLI_BUNDLE_DIR, name)).catch(() => null);
    if (info && info.mtimeMs < hourAgo) await rm(join(CLI_BUNDLE_DIR, name), { recursive: true, force: true });
  }
  return { dir: buildDir, files: files.length, packages: licences.packages };
}

/**
 * The licence of every npm package in the bundle (name, version, licence field and its LICENSE
 * file), sorted by name: MIT and the like ask that the notice travel with the code. The same as
 * apps/action/build.mjs does for the Action's bundle (a project may not import another's files).
 */
function collectLicences(inputs) {
  const dirs = new Map();
  for (const input of inputs) {
    const at = input.lastIndexOf('node_modules/');
    if (at < 0) continue;
    const name = /^((?:@[^/]+\/)?[^/]+)/.exec(input.slice(at + 'node_modules/'.length))[1];
    if (!name.startsWith('@ferry/')) dirs.set(name, join(root, input.slice(0, at), 'node_modules', name));
  }
  const packages = [];
  const sections = [];
  for (const [name, dir] of [...dirs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const file = readdirSync(dir).filter((f) => /^(licen[cs]e|copying)/i.test(f)).sort()[0];
    packages.push(`${name}@${manifest.version}`);
    sections.push(`${name}@${manifest.version} (${manifest.license ?? 'see below'})\n\n${file ? readFileSync(join(dir, file), 'utf8').trim() : 'No licence file in the package.'}\n`);
  }
  return { packages, text: `Third-party software bundled in the .js files of this directory (generated by apps/cli/build-bundle.mjs)\n\n${sections.join('\n---\n\n')}` };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { dir, files, packages } = await buildCliBundle();
  process.stdout.write(`${relative(process.cwd(), dir) || dir}: ${files} files, bundled ${packages.length} npm packages\n`);
}
