import { FerryError } from '@ferry/manifest-model';
import { normalizeRepoPath } from '../../sync/sync-spec.js';

/**
 * A repository path from the Sync, checked again here (defence in depth: the Sync schema refuses
 * these already; a caller that skipped it is refused here). Returns the normalised path.
 */
export function checkedPath(path: string, field: string): string {
  const checked = normalizeRepoPath(path);
  if (!checked.ok) throw new FerryError('sync.spec', `${field}: ${checked.reason}`, { hint: 'fix the Sync object; see docs/agent.md for its fields' });
  return checked.path;
}

/** A repository path as a tool argument: `./x` (or `.`), so it can never be read as an option or a URL. */
export function asArgument(path: string): string {
  return path ? `./${path}` : '.';
}
