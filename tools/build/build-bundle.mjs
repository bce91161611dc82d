// Builds an app's esbuild bundle: the CLI's (apps/cli/build-bundle.mjs) and the agent's
// (apps/agent/build-bundle.mjs). The app and the libraries it uses (from their TypeScript sources,
// the "@ferry/source" export condition) become ES module chunks: one entry (main.js) plus a chunk per
// lazily imported module. Issue 14: resolving, reading and compiling several hundred separate files
// (and lexing the CommonJS ones for their exports) was most of a short command's CPU and a tenth of
// the agent's memory. Build time only, never runtime; the bundles are not committed (.gitignore).
// licenses.txt carries the bundled packages' notices.
//
// Layout: <outDir>/<digest of the output>/ holds one build (main.js, chunks, licenses.txt) and is
// never changed once written; <outDir>/main.js re-exports the newest build's main.js and is replaced
// atomically. A process that started on an older build keeps importing that build's chunks (tests
// and the benchmark rebuild while other processes run), and builds older than an hour are removed.
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { collectLicences } from './bundle-licences.mjs';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The esbuild options every Ferry bundle shares (these and the Action's, apps/action/build.mjs). */
export const nodeBundleOptions = {
  absWorkingDir: repoRoot,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  conditions: ['@ferry/source'],
  // Some dependencies are CommonJS and require() node built-ins; an ES module has no require.
  banner: { js: "import { createRequire as __ferryCreateRequire } from 'node:module';\nconst require = __ferryCreateRequire(import.meta.url);" },
  // isomorphic-git inflates with pako (zlib in JavaScript); the bundles give it Node's zlib.
  alias: { pako: './packages/git-http/src/pako-node-zlib.ts' },
  minify: true,
  metafile: true,
  logLevel: 'warning',
};

/**
 * Bundles `entry` (relative to the repository root) into `outDir` (see the layout above); `title`
 * heads licenses.txt. Returns the build's directory, its file count and the npm packages bundled.
 */
export async function buildBundle({ entry, outDir, title }) {
  const result = await build({ ...nodeBundleOptions, entryPoints: [entry], outdir: outDir, splitting: true, chunkNames: 'chunk-[hash]', legalComments: 'none', write: false });
  const licences = collectLicences(repoRoot, Object.keys(result.metafile.inputs), `Third-party software bundled in the .js files of this directory (${title})`);
  const files = [...result.outputFiles.map((f) => ({ name: basename(f.path), contents: Buffer.from(f.contents) })), { name: 'licenses.txt', contents: Buffer.from(licences.text) }];
  const digest = createHash('sha256');
  for (const f of files) digest.update(`${f.name}\0${f.contents.length}\0`).update(f.contents);
  const id = `build-${digest.digest('hex').slice(0, 16)}`;
  const buildDir = join(outDir, id);
  if (!(await stat(join(buildDir, 'main.js')).catch(() => null))) {
    // Written beside, then renamed into place whole: a build directory is complete or absent.
    const temporary = join(outDir, `${id}.${process.pid}.tmp`);
    await mkdir(temporary, { recursive: true });
    for (const f of files) await writeFile(join(temporary, f.name), f.contents);
    await rename(temporary, buildDir).catch(async (err) => {
      // Another process finished the same build first: same bytes.
      await rm(temporary, { recursive: true, force: true });
      if (!(await stat(join(buildDir, 'main.js')).catch(() => null))) throw err;
    });
  }
  const main = join(outDir, 'main.js');
  await writeFile(`${main}.${process.pid}.tmp`, `export * from './${id}/main.js';\n`);
  await rename(`${main}.${process.pid}.tmp`, main);
  const hourAgo = Date.now() - 3_600_000;
  for (const name of await readdir(outDir)) {
    if (name === id || name === 'main.js') continue;
    const info = await stat(join(outDir, name)).catch(() => null);
    if (info && info.mtimeMs < hourAgo) await rm(join(outDir, name), { recursive: true, force: true });
  }
  return { dir: buildDir, files: files.length, packages: licences.packages };
}

/** The one-line summary the app scripts print. */
export function describeBuild({ dir, files, packages }) {
  return `${relative(process.cwd(), dir) || dir}: ${files} files, bundled ${packages.length} npm packages\n`;
}
