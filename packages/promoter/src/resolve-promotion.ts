import { FerryError, isSameRepository, parseFerryConfig, resolveAppEnvironment, type FerryConfig, type VersionOrder } from '@ferry/manifest-model';
import { normalizeRepoPath, type GoverningApp } from './core/find-governing-apps.js';
import type { PromotionGuard, PromotionTarget, PromotionVersion } from './core/plan-promotion.js';
import { findImageOccurrences } from './core/set-image.js';
import type { ConfigRepository } from './ports.js';
import { readRegistryCheck, type RegistryCheck } from './verify-image.js';
import { resolveGate, type ResolvedGate } from './promotion-gate.js';

/** What the caller asked for; flags map onto this one-to-one. */
export interface PromotionRequest {
  env: string;
  /** `--app`: target from ferry.yaml. */
  app?: string | undefined;
  /** `--file PATH [--key K]`: explicit targets, ferry.yaml optional. */
  files?: { path: string; key?: string | undefined }[] | undefined;
  /** `--image NAME[:TAG][@DIGEST]`, already split; `tag`/`digest` override what it carries. */
  image?: { name: string; tag?: string | undefined; digest?: string | undefined } | undefined;
  /** `--from-env ENV`: copy that environment's tag and digest. */
  fromEnv?: string | undefined;
  /** `--build-time`: RFC 3339 time of the build, what `order: build-time` compares (recorded as a trailer). */
  buildTime?: string | undefined;
  /** `--order` (and `--order-pattern`), `--file` only: with `--app`, ferry.yaml's `order` rules. */
  order?: VersionOrder | undefined;
}

/** Environment settings that shape how the promotion lands. */
export interface EnvironmentSettings {
  branch: string;
  push?: 'pr' | 'direct' | undefined;
  autoMerge: boolean;
  mergeMethod: 'merge' | 'squash' | 'rebase';
  labels: string[];
  reviewers: string[];
  teamReviewers: string[];
}

export interface ResolvedPromotion {
  target: PromotionTarget;
  version: PromotionVersion;
  environment: EnvironmentSettings;
  /** Older than what is in place: a late build is a no-op; an explicit copy from an env is refused. */
  onOlder: 'skip' | 'refuse';
  configFound: boolean;
  /** ferry.yaml as read (null without one), to tell a pending change to it on a promotion branch. */
  configText: string | null;
  /**
   * Apps whose environment lists one of the target files for the same image repository (`--app`:
   * the other apps). Those whose target the edit overlaps (`findGoverningApps`, on the base files)
   * add their hold and policy to the promotion.
   */
  governors: GoverningApp[];
  /** `--file`: the promotion is the one app that governs its edit (name, hold, policy), if any. */
  adoptGovernor: boolean;
  /** The default branch as fetched to read ferry.yaml; an attempt on that branch builds on exactly this head. */
  defaultBranch: { branch: string; head: string };
  /** ferry.yaml's `verifyImage` / `pinDigest` for this app and environment (verify-image.ts). */
  registryCheck: RegistryCheck;
  /** `promotesFrom` of the environment: the gate every attempt checks (promotion-gate.ts). */
  gate?: ResolvedGate | undefined;
}

export const CONFIG_FILE = 'ferry.yaml';

/**
 * Reads ferry.yaml from the default branch (when present) and turns the request into a target,
 * a version and environment settings. `--from-env` reads the source environment's files, unless
 * `pinned` gives the version an earlier resolution chose (a retry re-reads ferry.yaml, not the version).
 */
export async function resolvePromotion(repo: ConfigRepository, request: PromotionRequest, pinned?: PromotionVersion, read?: FerryConfigRead): Promise<ResolvedPromotion> {
  const { config, text, defaultBranch } = read ?? await readFerryConfig(repo);
  const configText = text;
  if (request.app !== undefined) {
    if (request.order) throw new FerryError('input.conflict', '--order applies to --file; with --app the order is the app\'s `order` in ferry.yaml', { hint: 'set order (and orderPattern) for the app in ferry.yaml, or drop --order' });
    if (!config) throw new FerryError('config.not-found', `--app ${request.app} needs ${CONFIG_FILE} at the root of the repository's default branch`, { hint: 'add ferry.yaml (docs/ferry-yaml.md) or use --file PATH --image NAME' });
    const resolved = resolveAppEnvironment(config, request.app, request.env);
    if (request.image && !isSameRepository(request.image.name, resolved.image)) {
      throw new FerryError('input.image-mismatch', `--image ${request.image.name} is not the image of app "${request.app}" (${resolved.image})`, { hint: 'pass the image configured in ferry.yaml, or fix ferry.yaml' });
    }
    const target: PromotionTarget = {
      app: request.app, env: request.env, image: resolved.image, files: resolved.files, policy: resolved.policy, hold: resolved.hold,
    };
    const version = pinned ?? (request.fromEnv !== undefined
      ? { ...await readEnvironmentVersion(repo, config, request.app, request.fromEnv), ...(request.buildTime !== undefined ? { buildTime: request.buildTime } : {}) }
      : versionFromImage(request));
    const governors = findCandidateGovernors(config, resolved.environment.branch, resolved.image, resolved.files)
      .filter((g) => g.app !== request.app || g.env !== request.env);
    return {
      target, version, environment: resolved.environment, onOlder: request.fromEnv !== undefined ? 'refuse' : 'skip', configFound: true,
      configText, governors, adoptGovernor: false, defaultBranch, gate: resolveGate(config, request.env),
      registryCheck: readRegistryCheck(config, request.app, request.env),
    };
  }

  if (!request.files?.length) throw new FerryError('input.missing', 'pass --app APP or --file PATH', { hint: 'ferry promote --help' });
  if (request.fromEnv !== undefined) throw new FerryError('input.conflict', '--from-env needs --app (the source files come from ferry.yaml)', { hint: 'use --app APP --from-env ENV' });
  if (!request.image) throw new FerryError('input.missing', '--file needs --image NAME[:TAG][@DIGEST]');
  const environment = config?.environments[request.env] ?? { branch: defaultBranch.branch, autoMerge: false, mergeMethod: 'squash', labels: [], reviewers: [], teamReviewers: [] };
  const app = appNameOf(request.image.name);
  const target: PromotionTarget = { app, env: request.env, image: request.image.name, files: request.files, policy: request.order ? { order: request.order } : {} };
  return {
    target, version: pinned ?? versionFromImage(request), onOlder: 'skip', configFound: config !== null, configText, defaultBranch,
    governors: config ? findCandidateGovernors(config, environment.branch, request.image.name, request.files) : [], adoptGovernor: true, environment,
    gate: resolveGate(config, request.env), registryCheck: readRegistryCheck(config, undefined, request.env),
  };
}

/**
 * The hold and policy that a ferry.yaml text (a pending change on a promotion branch) sets for
 * these apps and environments; null when the text is not a valid ferry.yaml (the base branch's one rules).
 */
export function readGuards(text: string, apps: { app: string; env: string }[]): PromotionGuard[] | null {
  let config: FerryConfig;
  try {
    config = parseFerryConfig(text, CONFIG_FILE);
  } catch {
    return null;
  }
  return apps.flatMap(({ app, env }) => {
    if (!config.apps[app]?.environments[env] || !config.environments[env]) return [];
    const { policy, hold } = resolveAppEnvironment(config, app, env);
    return [{ app, env, policy, hold }];
  });
}

/**
 * Every (app, environment) of ferry.yaml whose environment lives on `branch` and lists one of
 * `files` (paths as the workspace reads them) for the same image repository: the file on that
 * branch is theirs whatever `--env` the caller names.
 */
function findCandidateGovernors(config: FerryConfig, branch: string, image: string, files: { path: string }[]): GoverningApp[] {
  const paths = new Set(files.map((f) => normalizeRepoPath(f.path)));
  const found: GoverningApp[] = [];
  for (const [app, appConfig] of Object.entries(config.apps)) {
    if (!isSameRepository(appConfig.image, image)) continue;
    for (const env of Object.keys(appConfig.environments)) {
      if (config.environments[env]?.branch !== branch) continue;
      const resolved = resolveAppEnvironment(config, app, env);
      if (!resolved.files.some((f) => paths.has(normalizeRepoPath(f.path)))) continue;
      found.push({ app, env, policy: resolved.policy, hold: resolved.hold, files: resolved.files });
    }
  }
  return found;
}

/** ferry.yaml as read at the default branch's head (config null without one). */
export interface FerryConfigRead { config: FerryConfig | null; text: string | null; defaultBranch: { branch: string; head: string } }

/** Reads ferry.yaml at the default branch's head once, so several resolutions (a group's apps) share that one head. */
export async function readFerryConfig(repo: ConfigRepository): Promise<FerryConfigRead> {
  const defaultBranch = await repo.fetchDefaultBranch();
  if (defaultBranch === null) throw new FerryError('target.not-found', 'the repository is empty (no default branch)', { hint: 'check --repo' });
  const text = (await repo.readFiles(defaultBranch.head, [CONFIG_FILE])).get(CONFIG_FILE) ?? null;
  return { config: text === null ? null : parseFerryConfig(text, CONFIG_FILE), text, defaultBranch };
}

function versionFromImage(request: PromotionRequest): PromotionVersion {
  const version: PromotionVersion = { tag: request.image?.tag, digest: request.image?.digest, ...(request.buildTime !== undefined ? { buildTime: request.buildTime } : {}) };
  if (version.tag === undefined && version.digest === undefined) {
    throw new FerryError('input.missing', 'nothing to promote: give --image NAME:TAG, --image NAME@DIGEST, --tag, --digest or --from-env', { hint: 'e.g. --image ghcr.io/acme/web:1.4.2' });
  }
  return version;
}

/** The tag and digest the source environment runs; its files must agree on one version. */
async function readEnvironmentVersion(repo: ConfigRepository, config: FerryConfig, app: string, env: string): Promise<PromotionVersion> {
  const source = resolveAppEnvironment(config, app, env);
  const head = await repo.fetchBranch(source.environment.branch);
  if (head === null) throw new FerryError('target.not-found', `branch ${source.environment.branch} of environment ${env} does not exist`);
  const contents = await repo.readFiles(head, source.files.map((f) => f.path));
  const versions = new Map<string, PromotionVersion>();
  for (const file of source.files) {
    const content = contents.get(file.path);
    if (content === null || content === undefined) throw new FerryError('target.not-found', `${file.path} (environment ${env}) does not exist on ${source.environment.branch}`, { file: file.path });
    const found = findImageOccurrences([{ path: file.path, content }], source.image, file.key);
    if (!found.length) throw new FerryError('target.not-found', `image ${source.image} not found in ${file.path} (environment ${env})`, { file: file.path });
    for (const o of found) versions.set(`${o.tag ?? ''}@${o.digest ?? ''}`, { tag: o.tag, digest: o.digest });
  }
  if (versions.size !== 1) {
    throw new FerryError('target.ambiguous', `environment ${env} runs more than one version of ${app}: ${[...versions.keys()].join(', ')}`, { hint: `promote ${env} to one version first` });
  }
  return [...versions.values()][0]!;
}

function appNameOf(image: string): string {
  const path = image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  return path.split('/').pop() ?? path;
}
