import { FerryError, parseDuration, resolveAppEnvironment, type FerryConfig, type ResolvedTargetFile } from '@ferry/manifest-model';
import { checkGate, type GateRule, type GateVerdict } from './core/check-gate.js';
import type { PromotionVersion } from './core/plan-promotion.js';
import type { GateEvidenceReader } from './ports.js';

/** The gate of the environment promoted into, as ferry.yaml sets it (resolved on every attempt). */
export interface ResolvedGate {
  rule: GateRule;
  /** The app's image and files in the source environment; undefined when ferry.yaml gives it none there. */
  source(app: string): { image: string; files: ResolvedTargetFile[] } | undefined;
  /** Other environments on the source's branch: their agents report there too. */
  sharedWith: string[];
}

/** Undefined when the environment has no `promotesFrom` (or there is no ferry.yaml). */
export function resolveGate(config: FerryConfig | null, env: string): ResolvedGate | undefined {
  const target = config?.environments[env];
  if (!config || !target?.promotesFrom) return undefined;
  const from = target.promotesFrom;
  const source = config.environments[from]!;
  return {
    rule: {
      from, branch: source.branch,
      ...(source.clusters ? { clusters: source.clusters } : {}),
      ...(target.soak !== undefined ? { soakMs: parseDuration(target.soak) } : {}),
    },
    source(app) {
      if (!config.apps[app]?.environments[from]) return undefined;
      const resolved = resolveAppEnvironment(config, app, from);
      return { image: resolved.image, files: resolved.files };
    },
    sharedWith: Object.entries(config.environments).filter(([name, e]) => name !== from && e.branch === source.branch).map(([name]) => name).sort(),
  };
}

export type GateOutcome = GateVerdict | { outcome: 'overridden'; reason: string; message: string };

export interface EnforceGateInput {
  gate: ResolvedGate | undefined;
  app: string;
  env: string;
  version: PromotionVersion;
  reader: GateEvidenceReader | undefined;
  overrideReason: string | undefined;
  now: number;
}

/**
 * Runs the gate of one attempt: undefined when the environment has none. Refusals are verdicts
 * (exit 4); a gate that cannot be checked (no status access, no source files, a shared branch
 * without `clusters`) is an error that names the fix, `--override-gate` among them.
 */
export async function enforceGate(input: EnforceGateInput): Promise<GateOutcome | undefined> {
  const { gate, app } = input;
  if (!gate) return undefined;
  const { rule } = gate;
  if (input.overrideReason !== undefined) return { outcome: 'overridden', reason: input.overrideReason, message: `gate (promotesFrom: ${rule.from}) overridden: ${input.overrideReason}` };
  const escape = `or pass --override-gate REASON to promote without it (recorded in the commit and pull request)`;
  const source = gate.source(app);
  if (!source) {
    throw new FerryError('config.gate', `environment ${input.env} promotes from ${rule.from}, but app "${app}" has no environment ${rule.from} in ferry.yaml, so the gate cannot tell what ${rule.from} runs`, {
      file: 'ferry.yaml', hint: `add apps.${app}.environments.${rule.from}, ${escape}`,
    });
  }
  if (!rule.clusters?.length && gate.sharedWith.length) {
    throw new FerryError('config.gate', `environment ${rule.from} shares branch ${rule.branch} with ${gate.sharedWith.join(', ')}, so the clusters reporting there are not all ${rule.from}'s: the gate needs them listed`, {
      file: 'ferry.yaml', hint: `set environments.${rule.from}.clusters to the agents' --cluster names, ${escape}`,
    });
  }
  if (!input.reader) {
    throw new FerryError('input.missing-auth', `the promotion gate (${input.env} promotes from ${rule.from}) reads the agents' commit statuses from the GitHub API, and this run has no GitHub access`, {
      hint: `set FERRY_GITHUB_TOKEN / GITHUB_TOKEN or a GitHub App, ${escape}`,
    });
  }
  const commits = await input.reader.read({ branch: rule.branch, files: source.files, image: source.image, version: input.version });
  return checkGate({ rule, app, version: input.version, commits, now: input.now });
}
