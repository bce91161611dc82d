import { FerryError, isSameRepository, parseFerryConfig, resolveAppEnvironment, type FerryConfig } from '@ferry/manifest-model';
import type { PromotionTarget, PromotionVersion } from './core/plan-promotion.js';
import { findImageOccurrences } from './core/set-image.js';
import type { ConfigRepository } from './ports.js';

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
  /** The default branch as fetched to read ferry.yaml; the first attempt reuses it when it is the base. */
  defaultBranch: { branch: string; head: string };
}

const CONFIG_FILE = 'ferry.yaml';

/**
 * Reads ferry.yaml from the default branch (when present) and turns the request into a target,
 * a version and environment settings. `--from-env` reads the source environment's files.
 */
export async function resolvePromotion(repo: ConfigRepository, request: PromotionRequest): Promise<ResolvedPromotion> {
  const { config, defaultBranch } = await readConfig(repo);
  if (request.app !== undefined) {
    if (!config) throw new FerryError('config.not-found', `--app ${request.app} needs ${CONFIG_FILE} at the root of the repository's default branch`, { hint: 'add ferry.yaml (docs/ferry-yaml.md) or use --file PATH --image NAME' });
    const resolved = resolveAppEnvironment(config, request.app, request.env);
    if (request.image && !isSameRepository(request.image.name, resolved.image)) {
      throw new FerryError('input.image-mismatch', `--image ${request.image.name} is not the image of app "${request.app}" (${resolved.image})`, { hint: 'pass the image configured in ferry.yaml, or fix ferry.yaml' });
    }
    const target: PromotionTarget = {
      app: request.app, env: request.env, image: resolved.image, files: resolved.files, policy: resolved.policy, hold: resolved.hold,
    };
    const version = request.fromEnv !== undefined ? await readEnvironmentVersion(repo, config, request.app, request.fromEnv) : versionFromImage(request);
    return { target, version, environment: resolved.environment, onOlder: request.fromEnv !== undefined ? 'refuse' : 'skip', configFound: true, defaultBranch };
  }

  if (!request.files?.length) throw new FerryError('input.missing', 'pass --app APP or --file PATH', { hint: 'ferry promote --help' });
  if (request.fromEnv !== undefined) throw new FerryError('input.conflict', '--from-env needs --app (the source files come from ferry.yaml)', { hint: 'use --app APP --from-env ENV' });
  if (!request.image) throw new FerryError('input.missing', '--file needs --image NAME[:TAG][@DIGEST]');
  const environment = config?.environments[request.env];
  const app = appNameOf(request.image.name);
  const target: PromotionTarget = { app, env: request.env, image: request.image.name, files: request.files, policy: {} };
  return {
    target, version: versionFromImage(request), onOlder: 'skip', configFound: config !== null, defaultBranch,
    environment: environment ?? { branch: defaultBranch.branch, autoMerge: false, mergeMethod: 'squash', labels: [], reviewers: [], teamReviewers: [] },
  };
}

async function readConfig(repo: ConfigRepository): Promise<{ config: FerryConfig | null; defaultBranch: { branch: string; head: string } }> {
  const defaultBranch = await repo.fetchDefaultBranch();
  if (defaultBranch === null) throw new FerryError('target.not-found', 'the repository is empty (no default branch)', { hint: 'check --repo' });
  const text = (await repo.readFiles(defaultBranch.head, [CONFIG_FILE])).get(CONFIG_FILE);
  return { config: text === null || text === undefined ? null : parseFerryConfig(text, CONFIG_FILE), defaultBranch };
}

function versionFromImage(request: PromotionRequest): PromotionVersion {
  const version: PromotionVersion = { tag: request.image?.tag, digest: request.image?.digest };
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
