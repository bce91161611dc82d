import { parseStatusContext } from '@ferry/manifest-model';
import { describeVersion, describeVersions, type VersionSummary } from './plan-promotion.js';

/**
 * The promotion gate of an environment with `promotesFrom: X` (pure): the version promoted must be
 * live and healthy in every cluster of X, as the agents' commit statuses say, and (with `soak`)
 * have been so for long enough. Fed by a GateEvidenceReader (ports.ts) that reads X's branch and
 * the statuses on its commits.
 */

/** The gate as ferry.yaml sets it for one promotion. */
export interface GateRule {
  /** The environment promoted from (`promotesFrom`). */
  from: string;
  /** Its branch: where its agents report. */
  branch: string;
  /** `environments.<from>.clusters`; default: every cluster seen reporting on `branch`. */
  clusters?: readonly string[] | undefined;
  /** `soak` of the target environment, in ms. */
  soakMs?: number | undefined;
}

/** A commit status as the Git host reports it (latest per context on a commit). */
export interface GateStatus {
  context: string;
  state: 'pending' | 'success' | 'failure' | 'error';
  description: string;
  /** When the host recorded it (ISO 8601). */
  createdAt?: string | undefined;
}

/** One commit of X's branch. */
export interface GateCommit {
  oid: string;
  /** The app's versions in X's files at this commit ([] when none is found). */
  versions: VersionSummary[];
  /** Latest status per context; undefined when not read (older than the window). */
  statuses?: GateStatus[] | undefined;
}

export interface CheckGateInput {
  rule: GateRule;
  app: string;
  version: VersionSummary;
  /** X's branch, newest first. */
  commits: readonly GateCommit[];
  now: number;
}

export interface GateCluster {
  cluster: string;
  live: boolean;
  /** Since when every Sync of the cluster has run the version healthy (epoch ms). */
  since?: number | undefined;
  /** What the cluster reports, in the agent's words. */
  report: string;
}

export type GateVerdict =
  | { outcome: 'passed'; message: string; clusters: GateCluster[] }
  | { outcome: 'refused'; message: string; clusters: GateCluster[] };

/** Commits read for statuses beyond the newest run carrying the version (what lagging clusters report). */
export const GATE_EXTRA_COMMITS = 5;
/** Commits read when the branch does not carry the version at all. */
export const GATE_NOT_CARRIED_COMMITS = 10;

/**
 * True when the files hold exactly this version: every occurrence has the tag (when one is
 * promoted) and the digest (when one is promoted). A digest promoted must be in X's files: a tag
 * alone does not prove which image X ran.
 */
export function carriesVersion(versions: readonly VersionSummary[], wanted: VersionSummary): boolean {
  return versions.length > 0 && versions.every((v) => (wanted.tag === undefined || v.tag === wanted.tag) && (wanted.digest === undefined || v.digest === wanted.digest));
}

/**
 * How many of the newest commits need their statuses read: through the newest run of commits
 * carrying the version, and a few older ones; a few when the version is not on the branch.
 */
export function countGateCommits(commits: readonly Pick<GateCommit, 'versions'>[], wanted: VersionSummary): number {
  const first = commits.findIndex((c) => carriesVersion(c.versions, wanted));
  if (first < 0) return Math.min(commits.length, GATE_NOT_CARRIED_COMMITS);
  let end = first;
  while (end + 1 < commits.length && carriesVersion(commits[end + 1]!.versions, wanted)) end++;
  return Math.min(commits.length, end + 1 + GATE_EXTRA_COMMITS);
}

export function checkGate(input: CheckGateInput): GateVerdict {
  const { rule, commits, version } = input;
  const what = `${input.app} ${describeVersion(version)}`;
  const read = commits.filter((c) => c.statuses !== undefined).length;
  const reports = collectReports(commits);
  const clusters = rule.clusters?.length ? [...rule.clusters] : [...new Set([...reports.keys()].map((k) => k.split('\n')[0]!))].sort();
  if (!clusters.length) {
    return {
      outcome: 'refused', clusters: [],
      message: `gate (promotesFrom: ${rule.from}): no cluster reported on branch ${rule.branch} (its last ${read} commit(s)), so nothing shows ${rule.from} runs ${what}`,
    };
  }
  const evaluated = clusters.map((cluster) => evaluateGateCluster(cluster, reports, commits, version, read, rule.branch));
  const missing = evaluated.filter((c) => !c.live);
  if (missing.length) {
    return {
      outcome: 'refused', clusters: evaluated,
      message: `gate (promotesFrom: ${rule.from}): ${what} is not live and healthy in every cluster of ${rule.from}: ${missing.map((c) => `${c.cluster}: ${c.report}`).join('; ')}`,
    };
  }
  const since = Math.max(...evaluated.map((c) => c.since ?? input.now));
  const soaked = input.now - since;
  if (rule.soakMs !== undefined && soaked < rule.soakMs) {
    return {
      outcome: 'refused', clusters: evaluated,
      message: `gate (promotesFrom: ${rule.from}): ${what} has been live in ${rule.from} (${clusters.join(', ')}) for ${formatSpan(soaked)}, soak requires ${formatSpan(rule.soakMs)} (live everywhere since ${new Date(since).toISOString()}; allowed from ${new Date(since + rule.soakMs).toISOString()})`,
    };
  }
  const soak = rule.soakMs !== undefined ? ` for ${formatSpan(soaked)} (soak ${formatSpan(rule.soakMs)})` : '';
  return { outcome: 'passed', clusters: evaluated, message: `gate (promotesFrom: ${rule.from}): ${what} is live and healthy on ${clusters.join(', ')}${soak}` };
}

interface Report { index: number; status: GateStatus }

/** Per `cluster\nsync`: its statuses, newest commit first. */
function collectReports(commits: readonly GateCommit[]): Map<string, Report[]> {
  const out = new Map<string, Report[]>();
  for (const [index, commit] of commits.entries()) {
    for (const status of commit.statuses ?? []) {
      const parsed = parseStatusContext(status.context);
      if (!parsed) continue;
      const key = `${parsed.cluster}\n${parsed.sync}`;
      out.set(key, [...(out.get(key) ?? []), { index, status }]);
    }
  }
  return out;
}

/**
 * A cluster runs the version when each of its Syncs does: its newest status is success on a
 * commit carrying it, or it is applying (pending/error) a commit carrying it after a success on one.
 */
function evaluateGateCluster(cluster: string, reports: Map<string, Report[]>, commits: readonly GateCommit[], version: VersionSummary, read: number, branch: string): GateCluster {
  const syncs = [...reports.entries()].filter(([key]) => key.split('\n')[0] === cluster).sort(([a], [b]) => a.localeCompare(b));
  if (!syncs.length) return { cluster, live: false, report: `no report on the last ${read} commit(s) of ${branch}` };
  const carries = (index: number) => carriesVersion(commits[index]!.versions, version);
  const results = syncs.map(([key, list]) => {
    const sync = key.split('\n')[1]!;
    const [newest, previous] = list as [Report, Report | undefined];
    const live = carries(newest.index) && (newest.status.state === 'success'
      || (newest.status.state !== 'failure' && previous !== undefined && carries(previous.index) && previous.status.state === 'success'));
    const commit = commits[newest.index]!;
    const report = `${sync}: ${newest.status.state} on ${commit.oid.slice(0, 12)} (${describeVersions(commit.versions)})${newest.status.description ? `: ${newest.status.description}` : ''}`;
    return { live, report, since: live ? firstSuccess(list, newest.status.state === 'success' ? newest.index : previous!.index, carries, commits.length) : undefined };
  });
  const live = results.every((r) => r.live);
  return {
    cluster, live,
    // A success without a time (never from GitHub) counts from now: the soak cannot be shown.
    since: live && results.every((r) => r.since !== undefined) ? Math.max(...results.map((r) => r.since!)) : undefined,
    report: results.filter((r) => r.live === live).map((r) => r.report).join('; '),
  };
}

/** The first success of this Sync on the run of commits carrying the version that holds `from`. */
function firstSuccess(list: readonly Report[], from: number, carries: (index: number) => boolean, length: number): number | undefined {
  let end = from;
  while (end + 1 < length && carries(end + 1)) end++;
  let first: number | undefined;
  for (const r of list) {
    if (r.index < from || r.index > end || r.status.state !== 'success') continue;
    const t = r.status.createdAt === undefined ? Number.NaN : Date.parse(r.status.createdAt);
    if (Number.isNaN(t)) continue;
    first = first === undefined ? t : Math.min(first, t);
  }
  return first;
}

function formatSpan(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h ? `${h}h${m ? `${m}m` : ''}` : m ? `${m}m${sec ? `${sec}s` : ''}` : `${sec}s`;
}
