import { FerryError } from '@ferry/manifest-model';
import { z } from 'zod';

/** The CRD the agent reads its configuration from (see crds/syncs.ferry.dev.yaml). */
export const SyncApiVersion = 'ferry.dev/v1alpha1';
export const SyncKind = 'Sync';

const repoPath = z
  .string()
  .refine((p) => !p.split('/').includes('..'), 'must stay inside the repository (no "..")')
  .transform((p) => p.replace(/^\.?\/+/, '').replace(/\/+$/, ''));

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

const duration = z.string().regex(/^(\d+(ms|s|m|h))+$/, 'a duration such as 30s, 5m or 1h');
const maxDurationMs = 24 * 3_600_000;

export const RenderMode = z.enum(['auto', 'plain', 'kustomize', 'helm']);
export type RenderMode = z.infer<typeof RenderMode>;

export const HelmOptions = z.object({
  /** Chart directory in the repository; defaults to `path`. */
  chart: repoPath.optional(),
  releaseName: z.string().min(1).optional(),
  /** Values files in the repository, applied in order (later wins). */
  valuesFiles: z.array(repoPath).default([]),
});
export type HelmOptions = z.infer<typeof HelmOptions>;

export const SyncSpec = z.object({
  url: z.string().regex(/^https?:\/\//, 'an http(s) URL'),
  ref: GitRef.default({ branch: 'main' }),
  path: repoPath.default(''),
  render: RenderMode.default('auto'),
  helm: HelmOptions.optional(),
  /** Namespace for namespaced objects that name none. */
  namespace: z.string().min(1).optional(),
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
  interval: duration.refine((d) => parseDuration(d) >= 1000 && parseDuration(d) <= maxDurationMs, 'between 1s and 24h').default('5m'),
  /** How long to wait for applied objects to become healthy (Go duration, at most 24h). */
  timeout: duration.refine((d) => parseDuration(d) <= maxDurationMs, 'at most 24h').default('2m'),
  /** Secret (same namespace) with `username`+`password`, or `bearerToken`, for the git server. */
  secretRef: z.object({ name: z.string().min(1) }).optional(),
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

/** Go-style durations (`1m30s`) in milliseconds. */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const match of text.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(match[1]) * (units[match[2] ?? 's'] ?? 0);
  return total;
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
