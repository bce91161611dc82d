import { parseStatusContext } from '@ferry/manifest-model';

/** A commit status as the Git host reports it (latest per context). */
export interface ReportedStatus {
  context: string;
  state: 'pending' | 'success' | 'failure' | 'error';
  description: string;
  /** When the host recorded it (ISO 8601): the promotion gate's soak counts from the first success. */
  createdAt?: string | undefined;
}

/** Where `--wait-live` and `ferry status` read what the agents reported. */
export interface CommitStatusReader {
  /** Latest status per context on a commit. */
  listStatuses(sha: string): Promise<ReportedStatus[]>;
}

/** Per cluster: `live` = every Sync applied and healthy on the commit or a later one containing it. */
export type ClusterState = 'waiting' | 'pending' | 'live' | 'failed';

export interface ClusterLive {
  cluster: string;
  state: ClusterState;
  /** The commit the state was read from. */
  commit?: string | undefined;
  /** The agent's own words (the status description), or why we are still waiting. */
  description: string;
  syncs: { sync: string; state: ReportedStatus['state']; description: string }[];
}

/** Clusters named in a set of statuses. */
export function clustersIn(statuses: readonly ReportedStatus[]): string[] {
  return [...new Set(statuses.map((s) => parseStatusContext(s.context)?.cluster).filter((c): c is string => c !== undefined))].sort();
}

export interface EvaluateInput {
  cluster: string;
  /** The merge commit first, then later commits containing it, any order: `commits` orders them. */
  statusesByCommit: Map<string, ReportedStatus[]>;
  /** Newest first; the last one is the merge commit. */
  commits: readonly string[];
  /** Syncs this cluster reported on the commit before the merge: all must report again. */
  expectedSyncs: readonly string[];
}

/**
 * Decides one cluster's state from what its agent reported on the merge commit and later commits
 * (pure). The newest commit the cluster reported on decides: failure fails at once; all expected
 * Syncs successful is live. While the newest is still applying, an older commit (still containing
 * the merge) that was fully successful counts as live: the image is running.
 */
export function evaluateCluster(input: EvaluateInput): ClusterLive {
  let progress: ClusterLive | undefined;
  for (const commit of input.commits) {
    const syncs = (input.statusesByCommit.get(commit) ?? [])
      .map((s) => ({ parsed: parseStatusContext(s.context), s }))
      .filter((x) => x.parsed?.cluster === input.cluster)
      .map(({ parsed, s }) => ({ sync: parsed!.sync, state: s.state, description: s.description }));
    if (!syncs.length) continue;
    const failed = syncs.find((s) => s.state === 'failure');
    if (failed && !progress) {
      return { cluster: input.cluster, state: 'failed', commit, description: `${failed.sync}: ${failed.description}`, syncs };
    }
    const missing = input.expectedSyncs.filter((name) => !syncs.some((s) => s.sync === name));
    const notDone = syncs.find((s) => s.state !== 'success');
    if (!notDone && !missing.length) {
      return { cluster: input.cluster, state: 'live', commit, description: syncs.map((s) => `${s.sync}: ${s.description}`).join('; '), syncs };
    }
    progress ??= {
      cluster: input.cluster, state: 'pending', commit, syncs,
      description: notDone ? `${notDone.sync}: ${notDone.description}` : `waiting for ${missing.join(', ')} to report`,
    };
  }
  return progress ?? { cluster: input.cluster, state: 'waiting', description: 'no report yet on this commit', syncs: [] };
}
