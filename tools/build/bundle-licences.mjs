// The licence notice of an esbuild bundle, shared by the bundles Ferry builds: the CLI's and the
// agent's (tools/build/build-bundle.mjs) and the Action's (apps/action/build.mjs). It lives here
// because an app may not import another app's files; it runs at build time only, never at runtime.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The licence of every npm package among esbuild's metafile `inputs` (name, version, licence field
 * and its LICENSE file), sorted by name so the text is as deterministic as the bundle: MIT and the
 * like ask that the notice travel with the code. `root` is the directory the input paths are
 * relative to; `heading` is the text's first line. Returns the packages (name@version) and the text.
 */
export function collectLicences(root, inputs, heading) {
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
  return { packages, text: `${heading}\n\n${sections.join('\n---\n\n')}` };
}
