// Test support: the files of examples/ as a path -> content map, to commit into test repositories.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const examplesDir = fileURLToPath(new URL('../../../../examples', import.meta.url));

export function readExampleFiles(subdir: string, prefix = `examples/${subdir}`): Record<string, string> {
  const root = join(examplesDir, subdir);
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else files[`${prefix}/${relative(root, full)}`] = readFileSync(full, 'utf8');
    }
  };
  walk(root);
  return files;
}
