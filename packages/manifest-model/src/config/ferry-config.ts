import semver from 'semver';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import * as z from 'zod';
import { FerryError } from '../errors.js';
import { findBadCharacter } from '../text-characters.js';
import { isDuration } from '../duration.js';
import { checkClusterName } from '../status-context.js';
import { findComplexKey, findDuplicateKey } from '../yaml-duplicate-keys.js';
import { explainInvalidOrderPattern, ORDER_KINDS, type VersionOrder } from './version-order.js';

/**
 * `ferry.yaml`, the promotion configuration at the root of a config repo. Field names are
 * documented in docs/ferry-yaml.md; the JSON Schema editors use is generated from these schemas
 * (schemas/ferry.schema.json) so the two cannot drift.
 */

const Name = z.string().regex(/^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/, 'use lowercase letters, digits, ".", "_" and "-"');

const Pattern = z.string().min(1).refine(isValidRegExp, { message: 'not a valid regular expression' });

export const MergeMethod = z.enum(['merge', 'squash', 'rebase']);
export type MergeMethod = z.infer<typeof MergeMethod>;

export const PushMode = z.enum(['pr', 'direct']);
export type PushMode = z.infer<typeof PushMode>;

export const Environment = z.strictObject({
  branch: z.string().min(1).default('main').describe('Base branch the environment lives on.'),
  promotesFrom: Name.optional().describe('The environment whose image `ferry promote --from-env` copies, e.g. staging for prod. A gate: a promotion into this environment needs the exact tag and digest live and healthy in every cluster of that one.'),
  soak: z.string().refine(isDuration, { message: 'not a duration: use e.g. 30m, 2h or 24h (units ms, s, m, h)' }).optional()
    .describe('With promotesFrom: how long the version must have been live and healthy in that environment first, e.g. 1h.'),
  clusters: z.array(z.string().refine((c) => checkClusterName(c) === undefined, { message: 'a cluster name is 1-63 letters, digits, ".", "_" or "-" (the agent\'s --cluster)' })).min(1).optional()
    .describe('The clusters (agent --cluster names) that run this environment; the promotion gate of an environment promoting from it checks each. Default: the clusters that report on its branch.'),
  push: PushMode.optional().describe('How promotions land: a pull request (default) or a direct commit.'),
  verifyImage: z.boolean().optional().describe('Before writing, ask the image registry that the tag exists and what its digest is (exit 3 when it does not); like --verify-image.'),
  pinDigest: z.boolean().optional().describe('Write the registry\'s digest beside the tag (for a multi-arch image the index digest); implies verifyImage; like --pin-digest.'),
  autoMerge: z.boolean().default(false).describe('Turn on auto-merge for promotion pull requests.'),
  mergeMethod: MergeMethod.default('squash'),
  labels: z.array(z.string().min(1)).default([]),
  reviewers: z.array(z.string().min(1)).default([]).describe('GitHub users asked to review.'),
  teamReviewers: z.array(z.string().min(1)).default([]).describe('GitHub team slugs asked to review.'),
});
export type Environment = z.infer<typeof Environment>;

export const Policy = z.strictObject({
  semver: z.string().min(1).refine((r) => semver.validRange(r) !== null, { message: 'not a valid semver range (e.g. ">=1.4 <2" or "^1.4")' }).optional()
    .describe('Only promote tags inside this semver range.'),
  allow: z.array(Pattern).optional().describe('Regular expressions; a tag must match one of them.'),
  deny: z.array(Pattern).optional().describe('Regular expressions; a tag matching any of them is refused.'),
  allowDowngrade: z.boolean().optional().describe('Allow replacing a higher semver tag with a lower one (default false).'),
});
export type Policy = z.infer<typeof Policy>;

export const Hold = z.union([
  z.boolean(),
  z.strictObject({ reason: z.string().min(1), by: z.string().optional(), since: z.string().optional() }),
]).describe('Stops automated promotion (a human pin or a freeze after a rollback).');
export type Hold = z.infer<typeof Hold>;

export const TargetFile = z.union([
  z.string().min(1),
  z.strictObject({ path: z.string().min(1), key: z.string().min(1).optional().describe('YAML key path of the image, like `--key`.') }),
]);
export type TargetFile = z.infer<typeof TargetFile>;

export const AppEnvironment = z.strictObject({
  files: z.array(TargetFile).min(1),
  policy: Policy.optional(),
  hold: Hold.optional(),
});
export type AppEnvironment = z.infer<typeof AppEnvironment>;

export const Order = z.enum(ORDER_KINDS).describe(
  'How builds of the app are ordered (newest wins, no downgrade): semver tags, a number taken from the tag by orderPattern, '
  + 'or the build time given with --build-time. Unset: semver when both tags are semver, otherwise the promotion is refused.',
);
export type Order = z.infer<typeof Order>;

const OrderPattern = z.string().superRefine((pattern, ctx) => {
  const why = explainInvalidOrderPattern(pattern);
  if (why) ctx.addIssue({ code: 'custom', message: `not a usable order pattern: ${why}` });
}).describe('With order: numeric, a regular expression whose one named group holds the number, e.g. ^main-[0-9a-f]+-(?<run>[0-9]+)$.');

export const App = z.strictObject({
  image: z.string().min(1).describe('Image repository, e.g. ghcr.io/acme/web.'),
  order: Order.optional(),
  orderPattern: OrderPattern.optional(),
  policy: Policy.optional().describe('Default policy for every environment of the app.'),
  verifyImage: z.boolean().optional().describe('The app\'s own verifyImage, over its environments\' (false turns the check off for this app).'),
  pinDigest: z.boolean().optional().describe('The app\'s own pinDigest, over its environments\'.'),
  environments: z.record(Name, AppEnvironment),
}).superRefine((app, ctx) => {
  if (app.orderPattern !== undefined && app.order !== 'numeric') {
    ctx.addIssue({ code: 'custom', path: ['orderPattern'], message: 'orderPattern only applies with order: numeric' });
  }
});
export type App = z.infer<typeof App>;

/** The forge that hosts the config repository: pull requests, merges and commit statuses. */
export const ForgeName = z.enum(['github', 'gitea']);
export type ForgeName = z.infer<typeof ForgeName>;

const ApiUrl = z.string().refine(isPlainHttpUrl, { message: 'not an http(s) URL without credentials (e.g. https://gitea.example.com)' });

export const FerryConfig = z.strictObject({
  version: z.literal(1).default(1),
  forge: ForgeName.optional().describe('The forge that hosts this repository: github (the default) or gitea (Gitea and Forgejo). The CLI\'s --forge wins; read when --repo is a git URL off github.com.'),
  apiUrl: ApiUrl.optional().describe('The forge\'s API: Gitea\'s base URL (https://gitea.example.com) or GitHub Enterprise\'s https://HOST/api/v3. The CLI\'s --api-url wins; default: derived from the git URL (Gitea) or api.github.com.'),
  environments: z.record(Name, Environment),
  apps: z.record(Name, App).default({}),
}).superRefine((config, ctx) => {
  for (const [name, env] of Object.entries(config.environments)) {
    if (env.verifyImage === false && env.pinDigest === true) {
      ctx.addIssue({ code: 'custom', path: ['environments', name, 'pinDigest'], message: 'pinDigest asks the registry, which verifyImage: false turns off: drop one of them' });
    }
    if (env.soak !== undefined && env.promotesFrom === undefined) {
      ctx.addIssue({ code: 'custom', path: ['environments', name, 'soak'], message: 'soak needs promotesFrom (the environment the version must have soaked in)' });
    }
    if (env.promotesFrom === undefined) continue;
    if (!(env.promotesFrom in config.environments)) {
      ctx.addIssue({ code: 'custom', path: ['environments', name, 'promotesFrom'], message: `unknown environment "${env.promotesFrom}"` });
    } else if (findCycle(config.environments, name)) {
      ctx.addIssue({ code: 'custom', path: ['environments', name, 'promotesFrom'], message: `promotesFrom forms a cycle through "${name}"` });
    }
  }
  for (const [appName, app] of Object.entries(config.apps)) {
    if (app.verifyImage === false && app.pinDigest === true) {
      ctx.addIssue({ code: 'custom', path: ['apps', appName, 'pinDigest'], message: 'pinDigest asks the registry, which verifyImage: false turns off: drop one of them' });
    }
    for (const envName of Object.keys(app.environments)) {
      if (!(envName in config.environments)) {
        ctx.addIssue({ code: 'custom', path: ['apps', appName, 'environments', envName], message: `unknown environment "${envName}" (declare it under environments)` });
      }
    }
  }
});
export type FerryConfig = z.infer<typeof FerryConfig>;

/** A target file with the shorthand resolved. */
export interface ResolvedTargetFile { path: string; key?: string }

/** One app in one environment, with defaults and the app-wide policy merged in. */
export interface ResolvedAppEnvironment {
  app: string;
  env: string;
  image: string;
  environment: Environment;
  files: ResolvedTargetFile[];
  /** The app's `order` (and `orderPattern`) ride with the policy, so every guard carries its own. */
  policy: Policy & { allowDowngrade: boolean; order?: VersionOrder };
  hold?: { reason: string; by?: string; since?: string };
}

/** Looks up an app in an environment; FerryError `config.not-found` names what exists instead. */
export function resolveAppEnvironment(config: FerryConfig, app: string, env: string): ResolvedAppEnvironment {
  const environment = config.environments[env];
  if (!environment) {
    throw new FerryError('config.not-found', `environment "${env}" is not declared in ferry.yaml`, {
      hint: `declared: ${Object.keys(config.environments).join(', ') || '(none)'}`,
    });
  }
  const appConfig = config.apps[app];
  const appEnv = appConfig?.environments[env];
  if (!appConfig || !appEnv) {
    throw new FerryError('config.not-found', appConfig ? `app "${app}" has no environment "${env}" in ferry.yaml` : `app "${app}" is not declared in ferry.yaml`, {
      hint: appConfig ? `its environments: ${Object.keys(appConfig.environments).join(', ')}` : `declared apps: ${Object.keys(config.apps).join(', ') || '(none)'}`,
    });
  }
  const policy = { ...appConfig.policy, ...appEnv.policy };
  const resolved: ResolvedAppEnvironment = {
    app, env, image: appConfig.image, environment,
    files: appEnv.files.map((f) => (typeof f === 'string' ? { path: f } : { ...f })),
    policy: {
      ...policy, allowDowngrade: policy.allowDowngrade ?? false,
      ...(appConfig.order ? { order: { by: appConfig.order, ...(appConfig.orderPattern !== undefined ? { pattern: appConfig.orderPattern } : {}) } } : {}),
    },
  };
  if (appEnv.hold === true) resolved.hold = { reason: 'held in ferry.yaml' };
  else if (appEnv.hold) resolved.hold = appEnv.hold;
  return resolved;
}

/**
 * Parses and validates ferry.yaml. Every problem becomes one FerryError (`config.invalid`) whose
 * file and line point at the first offending field; the message lists all of them.
 */
export function parseFerryConfig(text: string, file = 'ferry.yaml'): FerryConfig {
  const bad = findBadCharacter(text, { replacement: true });
  if (bad) {
    throw new FerryError('config.invalid', bad.kind === 'control'
      ? `not a YAML text file: it contains the control character ${bad.codePoint}`
      : 'it is not valid UTF-8 (or holds U+FFFD, the replacement character)', {
      file, line: bad.line, column: bad.column, hint: 'save ferry.yaml as UTF-8 text',
    });
  }
  const lineCounter = new LineCounter();
  // Duplicate keys are found in linear time below (the library's own check is quadratic).
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = lineCounter.linePos(yamlError.pos[0]);
    const multi = yamlError.code === 'MULTIPLE_DOCS';
    throw new FerryError('config.invalid', multi ? 'ferry.yaml holds more than one YAML document (a "---" line)' : `invalid YAML: ${yamlError.message.split('\n')[0]}`, {
      file, line: pos.line, column: pos.col,
      hint: multi ? 'keep one document: remove the "---" separator and merge the parts' : 'fix the YAML syntax (indent with spaces, quote values containing ": ")',
    });
  }
  const duplicate = findDuplicateKey(doc);
  if (duplicate) {
    const pos = lineCounter.linePos(duplicate.node.range?.[0] ?? 0);
    throw new FerryError('config.invalid', `duplicate key "${duplicate.key}" (a key may appear once per mapping)`, {
      file, line: pos.line, column: pos.col, hint: 'remove one of the two; tools disagree on which one wins',
    });
  }
  const complex = findComplexKey(doc);
  if (complex) {
    const pos = lineCounter.linePos(complex.range?.[0] ?? 0);
    throw new FerryError('config.invalid', 'a key is a mapping or a list, not a name (an unrendered {{ template }}?)', {
      file, line: pos.line, column: pos.col, hint: 'keys in ferry.yaml are plain names; ferry.yaml is not templated',
    });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // The yaml library refuses alias expansion beyond maxAliasCount ("billion laughs").
    throw new FerryError('config.invalid', 'too many alias expansions (*name): the file would expand to a huge document', {
      file, cause: err, hint: 'write the values out instead of nesting aliases of aliases',
    });
  }
  const result = FerryConfig.safeParse(value ?? {});
  if (result.success) return result.data;

  const problems = result.error.issues.map((issue) => {
    const { path, message } = describeIssue(issue);
    const line = lineOf(doc, lineCounter, path);
    return { path, message, line };
  });
  const lines = problems.map((p) => `${p.line !== undefined ? `line ${p.line}: ` : ''}${p.path.length ? `${p.path.join('.')}: ` : ''}${p.message}`);
  const first = problems[0];
  throw new FerryError('config.invalid', problems.length === 1 ? lines[0]! : `${problems.length} problems:\n  ${lines.join('\n  ')}`, {
    file, ...(first?.line !== undefined ? { line: first.line } : {}),
    hint: 'see docs/ferry-yaml.md or point your editor at schemas/ferry.schema.json',
  });
}

/** The JSON Schema of ferry.yaml as editors read it (input shape: defaults are optional). */
export function buildFerryConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(FerryConfig, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    $id: 'https://ferry.dev/schemas/ferry.schema.json',
    title: 'Ferry promotion configuration (ferry.yaml)',
    ...schema,
  };
}

function describeIssue(issue: z.core.$ZodIssue): { path: (string | number)[]; message: string } {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    return { path: [...path, key], message: `unknown field "${key}"${issue.keys.length > 1 ? ` (and ${issue.keys.slice(1).join(', ')})` : ''}` };
  }
  if (issue.code === 'invalid_key') {
    // A record key failed its schema (an environment or app name): say which name and why.
    const name = path[path.length - 1];
    return { path, message: `invalid name "${String(name)}": ${issue.issues[0]?.message ?? issue.message}` };
  }
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
    return { path, message: 'required field is missing' };
  }
  return { path, message: issue.message };
}

/** Line of the deepest existing node on `path` (a missing field points at its parent). */
function lineOf(doc: Document, lineCounter: LineCounter, path: (string | number)[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    const parent = prefix.length ? doc.getIn(prefix.slice(0, -1), true) : undefined;
    // For a key of a map, point at the key itself: an unknown field has no meaningful value node.
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(prefix[prefix.length - 1]));
      const keyNode = pair?.key as Node | undefined;
      if (keyNode?.range) return lineCounter.linePos(keyNode.range[0]).line;
    }
    const node = prefix.length ? (doc.getIn(prefix, true) as Node | undefined) : (doc.contents as Node | null);
    if (node && typeof node === 'object' && 'range' in node && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

function findCycle(envs: Record<string, Environment>, start: string): boolean {
  const seen = new Set<string>();
  let current: string | undefined = start;
  while (current !== undefined) {
    if (seen.has(current)) return current === start;
    seen.add(current);
    current = envs[current]?.promotesFrom;
  }
  return false;
}

function isPlainHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
  } catch {
    return false;
  }
}

function isValidRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
