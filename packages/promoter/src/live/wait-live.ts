import type { Clock } from '../core/pull-request-flow.js';
import { findCommitsContaining, type GitHistory } from '../history/git-history.js';
import { clustersIn, evaluateCluster, type ClusterLive, type CommitStatusReader, type ReportedStatus } from './cluster-status.js';

export interface WaitLiveOptions {
  /** The merge (or direct push) commit that must go live. */
  sha: string;
  /** The branch the agents follow. */
  branch: string;
  statuses: CommitStatusReader;
  history: GitHistory;
  /** Clusters that must report; default: those that reported on the commit before `sha`. */
  clusters?: readonly string[] | undefined;
  timeoutMs: number;
  pollMs?: number | undefined;
  clock: Clock;
  /** Called when a cluster's state or description changes. */
  onProgress?: (cluster: ClusterLive, elapsedMs: number) => void;
}

export type WaitLiveOutcome =
  /** Every target cluster applied the commit (or a later one containing it) and is healthy. */
  | 'live'
  /** A cluster reported failure: its agent's reason is in `clusters`. */
  | 'failed'
  | 'timeout';

export interface WaitLiveResult {
  outcome: WaitLiveOutcome;
  sha: string;
  clusters: ClusterLive[];
  elapsedMs: number;
  message: string;
}

/** Commits after the merge we look at; more would mean the wait was very long. */
const MAX_LATER_COMMITS = 20;
const HISTORY_DEPTH = 50;

/**
 * Polls the commit statuses the agents post until every target cluster is live on `sha` (or a
 * later commit of `branch` containing it), one reports failure, or the time is up.
 */
export async function waitLive(options: WaitLiveOptions): Promise<WaitLiveResult> {
  const { clock, sha } = options;
  const started = clock.now();
  const pollMs = options.pollMs ?? 3_000;
  const baseline = await readBaseline(options);
  const explicit = options.clusters?.length ? [...options.clusters] : undefined;
  const seen = new Map<string, string>();
  let clusters: ClusterLive[] = [];
  for (;;) {
    const elapsed = clock.now() - started;
    const log = await options.history.log(options.branch, HISTORY_DEPTH);
    const commits = findCommitsContaining(log, sha).slice(-MAX_LATER_COMMITS - 1);
    const statusesByCommit = new Map<string, ReportedStatus[]>();
    // Newest first; one request per commit, usually only the merge commit itself.
    for (const commit of commits) statusesByCommit.set(commit, await options.statuses.listStatuses(commit));
    const targets = explicit ?? [...new Set([...baseline.clusters, ...clustersIn([...statusesByCommit.values()].flat())])].sort();
    clusters = targets.map((cluster) => evaluateCluster({ cluster, commits, statusesByCommit, expectedSyncs: baseline.syncs.get(cluster) ?? [] }));
    for (const c of clusters) {
      const key = `${c.state}|${c.description}`;
      if (seen.get(c.cluster) !== key) {
        seen.set(c.cluster, key);
        options.onProgress?.(c, elapsed);
      }
    }
    const failed = clusters.filter((c) => c.state === 'failed');
    if (failed.length) {
      return finish('failed', `not live: ${failed.map((c) => `${c.cluster} failed on ${c.commit?.slice(0, 12)}: ${c.description}`).join('; ')}`);
    }
    if (targets.length && clusters.every((c) => c.state === 'live')) {
      return finish('live', `${sha.slice(0, 12)} is live and healthy on ${targets.join(', ')}`);
    }
    if (elapsed >= options.timeoutMs) {
      const why = targets.length
        ? clusters.filter((c) => c.state !== 'live').map((c) => `${c.cluster}: ${c.state}: ${c.description}`).join('; ')
        : `no cluster reported on ${options.branch}; is an agent running with --cluster and a status token? (or pass --clusters)`;
      // The budget is what is left of --timeout after the merge wait, so name the flag, not a number.
      return finish('timeout', `not live before --timeout ran out: ${why}`);
    }
    await clock.sleep(Math.min(pollMs, Math.max(0, options.timeoutMs - elapsed)));
  }

  function finish(outcome: WaitLiveOutcome, message: string): WaitLiveResult {
    return { outcome, sha, clusters, elapsedMs: clock.now() - started, message };
  }
}

/** What each cluster reported on the commit before `sha`: who is expected, with which Syncs. */
async function readBaseline(options: WaitLiveOptions): Promise<{ clusters: string[]; syncs: Map<string, string[]> }> {
  const log = await options.history.log(options.branch, HISTORY_DEPTH);
  const parent = log.find((c) => c.oid === options.sha)?.parents[0];
  const statuses = parent ? await options.statuses.listStatuses(parent) : [];
  const syncs = new Map<string, string[]>();
  for (const s of statuses) {
    const m = /^ferry\/([^/]+)\/([^/]+\/[^/]+)$/.exec(s.context);
    if (m) syncs.set(m[1]!, [...(syncs.get(m[1]!) ?? []), m[2]!]);
  }
  return { clusters: clustersIn(statuses), syncs };
}
