import { redactSecrets } from '@ferry/manifest-model';
import type { CommitState, SyncReport } from '../ports.js';

export type { CommitState, CommitStatus, CommitStatusPort } from '../ports.js';

const MAX_DESCRIPTION = 140;

/**
 * The repository a Sync's URL points at: the last two path segments, as on GitHub
 * (`https://github.com/acme/config.git` -> acme/config). Null for URLs without two segments.
 */
export function repositoryOf(url: string): { owner: string; name: string } | null {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    // scp-like `git@github.com:acme/config.git`
    const m = /^[^@/]+@[^:]+:(.+)$/.exec(url);
    if (!m) return null;
    path = m[1]!;
  }
  const parts = path.replace(/\.git\/?$/, '').split('/').filter(Boolean);
  if (parts.length < 2) return null;
  return { owner: parts[parts.length - 2]!, name: parts[parts.length - 1]! };
}

/**
 * The status a finished reconcile reports, and the revision it goes on; null when there is nothing
 * to say (no revision was resolved, or a suspended Sync never applied one). Success only when the
 * revision is applied and healthy; `error` for transient failures the agent retries by itself;
 * `failure` when a human must act or the rollout is unhealthy.
 *
 * A suspended Sync (`spec.suspend: true`) fetches nothing, so it reports on the revision it last
 * applied (`status.lastAppliedRevision`): `pending` "suspended: ...". GitHub has no neutral state;
 * pending is the honest one: that commit stays in place and no newer one will be applied until
 * the Sync is resumed, so `ferry promote --wait-live` keeps waiting (and times out) rather than
 * reading a suspended cluster as live. Resuming re-posts success on the same revision.
 */
export function statusOfReport(
  report: Pick<SyncReport, 'outcome' | 'reason' | 'message' | 'revision'> & { status?: Pick<SyncReport['status'], 'lastAppliedRevision'> },
): { sha: string; state: CommitState; description: string } | null {
  if (report.outcome === 'Suspended') {
    const sha = report.status?.lastAppliedRevision ?? report.revision;
    return sha ? { sha, state: 'pending', description: formatDescription(`suspended: ${report.message}`) } : null;
  }
  const sha = report.revision;
  if (!sha) return null;
  switch (report.outcome) {
    case 'Applied':
    case 'Unchanged':
      return { sha, state: 'success', description: formatDescription(`applied and healthy: ${report.message}`) };
    case 'Unhealthy':
    case 'Stalled':
      return { sha, state: 'failure', description: formatDescription(`${report.reason}: ${dropAppliedPrefix(report.message)}`) };
    case 'Failed':
      return { sha, state: 'error', description: formatDescription(`${report.reason}: ${dropAppliedPrefix(report.message)}`) };
  }
}

/**
 * "applied 0123abcd (1 created, ...); <why>" -> "<why>": the commit is the status's own, and the
 * 140 characters are better spent on the object that failed.
 */
function dropAppliedPrefix(message: string): string {
  return message.replace(/^applied [0-9a-f]{7,40} \([^)]*\)[;:]?\s*(but )?/, '');
}

export function describeApplying(revision: string): string {
  return `applying ${revision.slice(0, 12)}`;
}

/** One line, secrets redacted, cut to GitHub's 140 characters. */
export function formatDescription(text: string): string {
  const line = redactSecrets(text).replace(/\s+/g, ' ').trim();
  return line.length <= MAX_DESCRIPTION ? line : `${line.slice(0, MAX_DESCRIPTION - 3)}...`;
}
