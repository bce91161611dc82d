import { FerryError } from '@ferry/manifest-model';
import { countGateCommits, type GateCommit } from '../core/check-gate.js';
import type { VersionSummary } from '../core/plan-promotion.js';
import { findImageOccurrences } from '../core/set-image.js';
import type { GitHistory } from '../history/git-history.js';
import type { GateEvidenceReader, GateEvidenceRequest } from '../ports.js';
import type { CommitStatusReader } from './cluster-status.js';

export interface GateEvidenceReaderOptions {
  /** Opened on the first read (a scratch repository), closed by `close()`. */
  openHistory: () => Promise<GitHistory>;
  statuses: CommitStatusReader;
  /** Commits of the source branch looked at (default 100): a run carrying the version longer than this soaks from its oldest one read. */
  depth?: number | undefined;
}

/**
 * Reads the promotion gate's evidence: the source branch's recent commits with the app's versions
 * in its files, and the statuses (one API request per commit) of those that matter: the newest run
 * of commits carrying the version and a few older ones (countGateCommits).
 */
export function createGateEvidenceReader(options: GateEvidenceReaderOptions): GateEvidenceReader & { close(): Promise<void> } {
  let history: Promise<GitHistory> | undefined;
  return {
    async read(request: GateEvidenceRequest): Promise<GateCommit[]> {
      history ??= options.openHistory();
      const git = await history;
      const log = await git.log(request.branch, options.depth ?? 100);
      if (!log.length) throw new FerryError('target.not-found', `branch ${request.branch} (the environment promoted from) does not exist`, { hint: 'check `branch` and `promotesFrom` in ferry.yaml' });
      const commits: GateCommit[] = [];
      for (const commit of log) commits.push({ oid: commit.oid, versions: await readVersions(git, commit.oid, request) });
      const count = countGateCommits(commits, request.version);
      for (const commit of commits.slice(0, count)) commit.statuses = await options.statuses.listStatuses(commit.oid);
      return commits;
    },
    async close() {
      if (history) await (await history.catch(() => undefined))?.close();
    },
  };
}

async function readVersions(git: GitHistory, commit: string, request: GateEvidenceRequest): Promise<VersionSummary[]> {
  const contents = await git.readFiles(commit, request.files.map((f) => f.path));
  const seen = new Map<string, VersionSummary>();
  for (const file of request.files) {
    const content = contents.get(file.path);
    // A missing file means the version is not carried: an empty list never matches.
    if (content === null || content === undefined) return [];
    let found;
    try {
      found = findImageOccurrences([{ path: file.path, content }], request.image, file.key);
    } catch {
      return []; // a file that does not parse at this commit does not carry the version
    }
    for (const o of found) seen.set(`${o.tag ?? ''}@${o.digest ?? ''}`, { tag: o.tag, digest: o.digest });
  }
  return [...seen.values()];
}
