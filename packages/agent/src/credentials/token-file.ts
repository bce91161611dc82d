import { readFile } from 'node:fs/promises';
import { FerryError } from '@ferry/manifest-model';
import type { TokenSource } from './token-source.js';

/**
 * A token kept in a file, read again at every use: a Kubernetes Secret mounted as a volume is
 * swapped in place (a symlink flip) when the Secret changes, so a rotated token is used from the
 * next request on, without a restart. The file is small and read at most once per request.
 * `flag` names the file in messages (`--status-token-file`); the token itself never appears.
 */
export function tokenFromFile(path: string, flag: string): TokenSource {
  return {
    async token() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        throw new FerryError('credentials.token-file', `cannot read ${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
      }
      const token = text.trim();
      if (!token) throw new FerryError('credentials.token-file', `${flag} ${path} is empty`);
      return token;
    },
  };
}
