import { FerryError, isDuration, parseDuration } from '@ferry/manifest-model';
import * as z from 'zod';
import { renderModes } from '../render/renderer-catalog.js';

// The one duration parser (manifest-model); re-exported for the agent's callers.
export { parseDuration };

/** The CRD the agent reads its configuration from (see crds/syncs.ferry.dev.yaml). */
export const SyncApiVersion = 'ferry.dev/v1alpha1';
export const SyncKind = 'Sync';

/**
 * A path inside the repository, normalised (`.`, `./`, `./x/`, `a//b` -> `''`, `''`, `x`, `a/b`). It
 * becomes an argument of helm and kustomize, so it is refused when it could mean something else:
 * absolute, `..` anywhere, a component starting with `-` (an option), control characters or `\`.
 */
const repoPath = z.string().transform((p, ctx) => {
  const checked = normalizeRepoPath(p);
  if (checked.ok) return checked.path;
  ctx.addIssue({ code: 'custom', message: checked.reason });
  return z.NEVER;
});
/** A file inside the repository: a repoPath that is not the repository root. */
const repoFile = repoPath.refine((p) => p !== '', 'must name a file in the repository, not its root');

export type RepoPathCheck = { ok: true; path: string } | { ok: false; reason: string };

/** Pure: the rules of `repoPath`, also used by the renderers as a second line of defence. */
export function normalizeRepoPath(path: string): RepoPathCheck {
  if (/[\u0000-\u001f\u007f]/.test(path)) return { ok: false, reason: 'must not contain control characters' };
  if (path.includes('\\')) return { ok: false, reason: 'must not contain "\\" (use "/")' };
  if (path.startsWith('/')) return { ok: false, reason: 'must be relative to the repository root (no leading "/")' };
  if (path.length > 4096) return { ok: false, reason: 'longer than 4096 characters' };
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) return { ok: false, reason: 'must stay inside the repository (no "..")' };
  const option = parts.find((part) => part.startsWith('-'));
  if (option !== undefined) return { ok: false, reason: `no path component may start with "-" ("${option.slice(0, 40)}" would be read as an option by helm or kustomize)` };
  return { ok: true, path: parts.join('/') };
}

/** Helm's own rule for release names (chartutil.ValidateReleaseName): DNS-1123 labels joined by dots, at most 53 characters. */
export const releaseNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const maxReleaseNameLength = 53;
const releaseName = z
  .string()
  .max(maxReleaseNameLength, `at most ${maxReleaseNameLength} characters (Helm's limit)`)
  .regex(releaseNamePattern, 'a Helm release name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit');

/** A Kubernetes namespace name: a DNS-1123 label. */
const namespaceName = z
  .string()
  .min(1)
  .max(63, 'at most 63 characters')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a namespace name: lower-case letters, digits and "-", starting and ending with a letter or digit');

/** A ServiceAccount name: a DNS-1123 subdomain (at most 253 characters). */
export const serviceAccountName = z
  .string()
  .max(253, 'at most 253 characters')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'a ServiceAccount name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit');

/** git check-ref-format's rules for one branch or tag name (a name, not a path out of refs/). */
const refName = z
  .string()
  .min(1)
  .refine((n) => isValidRefName(n), 'not a valid git branch or tag name (no "..", spaces, ~^:?*[\\, leading "-" or "/", trailing "/", "." or ".lock")');

export const GitRef = z
  .object({
    branch: refName.optional(),
    tag: refName.optional(),
    commit: z.string().regex(/^[0-9a-f]{40}$/, 'a full 40-character commit SHA').optional(),
  })
  .refine((r) => [r.branch, r.tag, r.commit].filter((v) => v !== undefined).length === 1, {
    message: 'set exactly one of branch, tag or commit',
  });
export type GitRef = z.infer<typeof GitRef>;

const maxDurationMs = 24 * 3_600_000;

/** A duration field (manifest-model's rule) from `minMs` to `maxMs`; one issue, the rule's before the range's. */
function durationWithin(minMs: number, maxMs: number, rangeMessage: string) {
  return z.string().superRefine((text, ctx) => {
    if (!isDuration(text)) ctx.addIssue({ code: 'custom', message: 'a duration such as 30s, 5m or 1h' });
    else if (parseDuration(text) < minMs || parseDuration(text) > maxMs) ctx.addIssue({ code: 'custom', message: rangeMessage });
  });
}

/** `auto` or a renderer's name: the list comes from the renderer catalogue (render/renderer-catalog.ts). */
export const RenderMode = z.enum(renderModes);
export type RenderMode = z.infer<typeof RenderMode>;

/** `spec.helm.crds`, Flux's names (HelmRelease `install.crds`). */
export const helmCrdPolicies = ['Create', 'CreateReplace', 'Skip'] as const;
export type HelmCrdPolicy = (typeof helmCrdPolicies)[number];

/** Largest `spec.helm.values`, as JSON (a Sync object is at most ~1.5 MB anyway). */
export const maxHelmValuesBytes = 512 * 1024;
const helmValues = z
  .record(z.string(), z.unknown(), { error: 'an object of Helm values (a map, as in a values file), not a string or a list' })
  .refine((v) => JSON.stringify(v).length <= maxHelmValuesBytes, `at most ${maxHelmValuesBytes / 1024} KiB as JSON`);

/**
 * `oci://HOST[:PORT]/REPOSITORY`: a chart in an OCI registry (no tag or digest here: those are
 * `spec.helm.version` and `spec.helm.digest`). Host and repository in the distribution spec's
 * grammar, so nothing else (an option, a query, credentials) can ride along.
 */
export const ociChartPattern = /^oci:\/\/([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(:[0-9]{1,5})?(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)+$/;
export const isOciChart = (chart: string | undefined): chart is string => chart !== undefined && chart.startsWith('oci://');
/** The registry host (with port) of an `oci://` chart. */
export function ociChartHost(chart: string): string {
  return chart.slice('oci://'.length).split('/')[0]!;
}
/** An exact chart version: semantic versioning (Helm's rule for chart versions); no ranges. */
export const chartVersionPattern = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
/** A chart's manifest digest, as `helm pull` prints it. */
export const chartDigestPattern = /^sha256:[a-f0-9]{64}$/;

/** spec.helm.chart: a directory in the repository, or an `oci://` chart. */
const helmChart = z.string().transform((chart, ctx) => {
  if (isOciChart(chart)) {
    if (chart.length <= 512 && ociChartPattern.test(chart)) return chart;
    ctx.addIssue({ code: 'custom', message: 'an OCI chart is oci://HOST[:PORT]/REPOSITORY (lower-case path, no tag or digest: set spec.helm.version and spec.helm.digest)' });
    return z.NEVER;
  }
  const checked = normalizeRepoPath(chart);
  if (checked.ok) return checked.path;
  ctx.addIssue({ code: 'custom', message: checked.reason });
  return z.NEVER;
});

export const HelmOptions = z.object({
  /** Chart directory in the repository (default `path`), or `oci://HOST/REPOSITORY` with `version`. */
  chart: helmChart.optional(),
  /** The exact version of an `oci://` chart (required with one, refused without). */
  version: z.string().max(128).regex(chartVersionPattern, 'an exact chart version (semantic versioning, e.g. 1.2.3), not a range').optional(),
  /** Pins an `oci://` chart: the manifest digest `helm pull` reports (sha256:...); another is refused. */
  digest: z.string().regex(chartDigestPattern, 'sha256: and 64 lower-case hex digits').optional(),
  /**
   * Registry credentials for an `oci://` chart: a Secret of type kubernetes.io/dockerconfigjson in
   * the Sync's namespace (Flux's HelmRepository secretRef), read as the Sync's ServiceAccount; only
   * its entry for the chart's registry host is used.
   */
  secretRef: z.object({ name: z.string().min(1).max(253).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'a Secret name') }).strict().optional(),
  releaseName: releaseName.optional(),
  /** Values files in the repository, applied in order (later wins). Never `-` (standard input) or a URL. */
  valuesFiles: z.array(repoFile).max(100).default([]),
  /** Values written in the Sync: applied after `valuesFiles` (they win), passed to helm as a file. */
  values: helmValues.optional(),
  /**
   * The chart's `crds/` (Helm's own rule: never templated, installed before everything, never
   * deleted). `Create`: created when the cluster does not serve them yet, then left alone (Helm's
   * and Flux's install default). `CreateReplace`: applied on every reconcile, so a chart upgrade
   * updates them. `Skip`: not applied. Never pruned in any mode.
   */
  crds: z.enum(helmCrdPolicies).default('Create'),
}).superRefine((helm, ctx) => {
  const oci = isOciChart(helm.chart);
  if (oci && helm.version === undefined) ctx.addIssue({ code: 'custom', path: ['version'], message: 'required with an oci:// chart (the exact version to pull)' });
  if (!oci && helm.version !== undefined) ctx.addIssue({ code: 'custom', path: ['version'], message: 'only with an oci:// chart (a chart in the repository has its version in Chart.yaml)' });
  if (!oci && helm.digest !== undefined) ctx.addIssue({ code: 'custom', path: ['digest'], message: 'only with an oci:// chart' });
  if (!oci && helm.secretRef !== undefined) ctx.addIssue({ code: 'custom', path: ['secretRef'], message: 'only with an oci:// chart (registry credentials)' });
});
export type HelmOptions = z.infer<typeof HelmOptions>;

export const KustomizeOptions = z.object({
  /**
   * Let kustomizations load resources, bases, components and charts from the network (http(s),
   * git). Off by default: a render then reads only the checked-out revision.
   */
  allowRemoteResources: z.boolean().default(false),
});
export type KustomizeOptions = z.infer<typeof KustomizeOptions>;

export const SyncSpec = z.object({
  url: z.string().regex(/^https?:\/\//, 'an http(s) URL'),
  ref: GitRef.default({ branch: 'main' }),
  path: repoPath.default(''),
  render: RenderMode.default('auto'),
  helm: HelmOptions.optional(),
  kustomize: KustomizeOptions.optional(),
  /** Namespace for namespaced objects that name none. */
  namespace: namespaceName.optional(),
  prune: z.boolean().default(true),
  /** Allow a render with no objects to prune everything this Sync applied before. */
  allowEmpty: z.boolean().default(false),
  /** Allow a revision that deletes every Namespace this Sync applied before. */
  allowDeleteAllNamespaces: z.boolean().default(false),
  suspend: z.boolean().default(false),
  /**
   * How often the daemon reconciles (Go duration, e.g. 5m); `sync --once` ignores it. At least 1s
   * (0 would poll the git server in a busy loop) and at most 24h (Node timers cannot wait longer
   * than 24.8 days and fire at once instead: the same busy loop).
   */
  interval: durationWithin(1000, maxDurationMs, 'between 1s and 24h').default('5m'),
  /** How long to wait for applied objects to become healthy (Go duration, at most 24h). */
  timeout: durationWithin(0, maxDurationMs, 'at most 24h').default('2m'),
  /** Secret (same namespace) with `username`+`password`, or `bearerToken`, for the git server. */
  secretRef: z.object({ name: z.string().min(1) }).optional(),
  /**
   * ServiceAccount (same namespace) the Sync's reads, dry-runs, writes and prunes are done as
   * (impersonation); the agent's `--default-service-account` when unset, else the agent's own identity.
   */
  serviceAccountName: serviceAccountName.optional(),
  /** Apply only commits signed by a key in this Secret (signatures/commit-verifier.ts). */
  verify: z.object({ secretRef: z.object({ name: z.string().min(1) }) }).optional(),
}).superRefine((spec, ctx) => {
  if (isOciChart(spec.helm?.chart) && spec.render !== 'auto' && spec.render !== 'helm') {
    ctx.addIssue({ code: 'custom', path: ['render'], message: `an oci:// chart (spec.helm.chart) renders with helm, not ${spec.render}` });
  }
});
export type SyncSpec = z.infer<typeof SyncSpec>;
export type SyncSpecInput = z.input<typeof SyncSpec>;

/** Parses a Sync's spec, turning zod issues into one FerryError that names the field. */
export function parseSyncSpec(spec: unknown, where: string): SyncSpec {
  const result = SyncSpec.safeParse(spec);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue ? ['spec', ...issue.path.map(String)].join('.') : 'spec';
  throw new FerryError('sync.spec', `${where}: ${field}: ${issue?.message ?? 'invalid'}`, {
    hint: 'fix the Sync object; see docs/agent.md for its fields',
  });
}

export function describeRef(ref: GitRef): string {
  if (ref.branch !== undefined) return `branch ${ref.branch}`;
  if (ref.tag !== undefined) return `tag ${ref.tag}`;
  return `commit ${ref.commit}`;
}

/** git check-ref-format, for a single branch or tag name. */
export function isValidRefName(name: string): boolean {
  if (name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.') || name.endsWith('.lock')) return false;
  if (name === '@' || name.includes('..') || name.includes('@{') || name.includes('//')) return false;
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return false;
  return name.split('/').every((part) => part !== '' && !part.startsWith('.'));
}
