/**
 * `--sync-selector`: a Kubernetes label selector that picks one shard of the cluster's Syncs, and the
 * Lease name each shard gets by default (shards must not share one, or only one shard would work).
 */
import { createHash } from 'node:crypto';

const name = '[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const key = `([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?${name}`;
const value = `(${name})?`;
const requirement = new RegExp(`^(!?${key}|${key}\\s*(=|==|!=)\\s*${value}|${key}\\s+(in|notin)\\s+\\(\\s*${value}(\\s*,\\s*${value})*\\s*\\))$`);

/** The selector's requirements (split at commas outside parentheses), or why it is not a label selector. */
export function checkSyncSelector(selector: string): string | undefined {
  if (!selector.trim()) return 'must not be empty';
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    if (selector[i] === '(') depth++;
    else if (selector[i] === ')') depth--;
    else if (selector[i] === ',' && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(selector.slice(start));
  const bad = parts.find((part) => !requirement.test(part.trim()));
  return bad === undefined ? undefined : `"${bad.trim()}" is not a label selector requirement (key, !key, key=value, key!=value, key in (a,b), key notin (a,b))`;
}

/** `ferry-agent` without a selector (one agent for all Syncs); `ferry-agent-<hash of the selector>` for a shard. */
export function defaultLeaseName(selector: string | undefined): string {
  if (!selector) return 'ferry-agent';
  return `ferry-agent-${createHash('sha256').update(selector.replace(/\s+/g, '')).digest('hex').slice(0, 10)}`;
}
