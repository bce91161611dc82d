import { FerryError, parseFerryConfig, resolveAppEnvironment, type FerryConfig } from '@ferry/manifest-model';
import { describeVersion, type VersionSummary } from '../core/plan-promotion.js';
import { findImageOccurrences } from '../core/set-image.js';
import type { CommitStatusReader, ReportedStatus } from '../live/cluster-status.js';
import { parseStatusContext } from '@ferry/manifest-model';
import type { GitHistory, HistoryCommit } from './git-history.js';
import { readPromotionRecords } from './promotion-records.js';

export interface AppVersion {
  app: string;
  image: string;
  /** What git holds (one entry unless the files disagree). */
  versions: VersionSummary[];
  /** The last promotion commit of this app into the environment, when history has one. */
  promoted?: { commit: string; time: number; rollbackFrom?: string | undefined } | undefined;
  hold?: { reason: string; by?: string | undefined; since?: string | undefined } | undefined;
}

export interface ClusterRun {
  cluster: string;
  sync: string;
  /** The newest commit this Sync reported on, and how many commits the branch is ahead of it. */
  commit: string;
  behind: number;
  state: ReportedStatus['state'];
  description: string;
  /** Per app: the version in git at that commit. */
  apps: Record<string, string>;
}

export interface EnvironmentStatus {
  env: string;
  branch: string;
  head: string;
  apps: AppVersion[];
  clusters: ClusterRun[];
}

export interface ReadStatusOptions {
  history: GitHistory;
  /** Omitted without GitHub access: only what git holds is reported. */
  statuses?: CommitStatusReader | undefined;
  env: string;
  app?: string | undefined;
  /** The default branch (ferry.yaml's home), e.g. from ConfigRepository.fetchDefaultBranch(). */
  defaultBranch: string;
  /** Recent commits whose statuses are read (one API request each). */
  statusDepth?: number | undefined;
}

const CONFIG_FILE = 'ferry.yaml';

/** What git holds for each app in an environment, and what each reporting cluster runs. */
export async function readEnvironmentStatus(options: ReadStatusOptions): Promise<EnvironmentStatus> {
  const { history, env } = options;
  const defaultLog = await history.log(options.defaultBranch, 1);
  if (!defaultLog.length) throw new FerryError('target.not-found', `branch ${options.defaultBranch} does not exist`);
  const configText = (await history.readFiles(defaultLog[0]!.oid, [CONFIG_FILE])).get(CONFIG_FILE);
  if (!configText) throw new FerryError('config.not-found', `ferry status needs ${CONFIG_FILE} on ${options.defaultBranch}`, { hint: 'see docs/ferry-yaml.md' });
  const config = parseFerryConfig(configText, CONFIG_FILE);
  const environment = config.environments[env];
  if (!environment) throw new FerryError('config.not-found', `environment "${env}" is not declared in ferry.yaml`, { hint: `declared: ${Object.keys(config.environments).join(', ')}` });
  const apps = options.app !== undefined ? [options.app] : Object.keys(config.apps).filter((a) => config.apps[a]!.environments[env]).sort();
  if (options.app !== undefined) resolveAppEnvironment(config, options.app, env); // names what exists when it does not

  const branch = environment.branch;
  const log = await history.log(branch, 200);
  if (!log.length) throw new FerryError('target.not-found', `branch ${branch} of environment ${env} does not exist`);
  const head = log[0]!.oid;
  const versionsAt = async (commit: string) => readVersions(history, config, apps, env, commit);
  const atHead = await versionsAt(head);

  const appStatus: AppVersion[] = apps.map((app) => {
    const resolved = resolveAppEnvironment(config, app, env);
    const last = readPromotionRecords(log, app, env, resolved.image)[0];
    return {
      app, image: resolved.image, versions: atHead.get(app) ?? [],
      ...(last ? { promoted: { commit: last.commit, time: last.time, ...(last.rollbackFrom ? { rollbackFrom: last.rollbackFrom } : {}) } } : {}),
      ...(resolved.hold ? { hold: resolved.hold } : {}),
    };
  });
  const clusters = options.statuses ? await readClusters(options.statuses, log.slice(0, options.statusDepth ?? 10), versionsAt) : [];
  return { env, branch, head, apps: appStatus, clusters };
}

async function readVersions(history: GitHistory, config: FerryConfig, apps: string[], env: string, commit: string): Promise<Map<string, VersionSummary[]>> {
  const out = new Map<string, VersionSummary[]>();
  for (const app of apps) {
    const resolved = resolveAppEnvironment(config, app, env);
    const files = await history.readFiles(commit, resolved.files.map((f) => f.path));
    const seen = new Map<string, VersionSummary>();
    for (const f of resolved.files) {
      const content = files.get(f.path);
      if (!content) continue;
      for (const o of findImageOccurrences([{ path: f.path, content }], resolved.image, f.key)) seen.set(`${o.tag ?? ''}@${o.digest ?? ''}`, { tag: o.tag, digest: o.digest });
    }
    out.set(app, [...seen.values()]);
  }
  return out;
}

/** Per (cluster, Sync): the newest commit with a status from it. */
async function readClusters(statuses: CommitStatusReader, recent: HistoryCommit[], versionsAt: (commit: string) => Promise<Map<string, VersionSummary[]>>): Promise<ClusterRun[]> {
  const found = new Map<string, ClusterRun>();
  for (const [index, commit] of recent.entries()) {
    for (const s of await statuses.listStatuses(commit.oid)) {
      const parsed = parseStatusContext(s.context);
      if (!parsed || found.has(s.context)) continue;
      found.set(s.context, { cluster: parsed.cluster, sync: parsed.sync, commit: commit.oid, behind: index, state: s.state, description: s.description, apps: {} });
    }
  }
  const runs = [...found.values()].sort((a, b) => a.cluster.localeCompare(b.cluster) || a.sync.localeCompare(b.sync));
  const cache = new Map<string, Map<string, VersionSummary[]>>();
  for (const run of runs) {
    if (!cache.has(run.commit)) cache.set(run.commit, await versionsAt(run.commit));
    for (const [app, versions] of cache.get(run.commit)!) run.apps[app] = versions.map(describeVersion).join(', ') || '(none)';
  }
  return runs;
}
