import { groupOf } from './kube-object.js';

/** One kind from the API server's discovery (`/api/v1`, `/apis/<group>/<preferred version>`). */
export interface DiscoveredKind {
  apiVersion: string;
  kind: string;
  namespaced: boolean;
  verbs: readonly string[];
}

/** Everything discovery found, and the group versions it could not read (an aggregated API that is down). */
export interface Discovery {
  kinds: DiscoveredKind[];
  failed: string[];
}

/**
 * The kinds worth a label search when the inventory is lost: those that can be listed and deleted
 * (the agent could have applied and could prune them), once per group and kind. Events are left out:
 * they are never applied from a source, and there are many.
 */
export function selectSearchKinds(kinds: readonly DiscoveredKind[]): DiscoveredKind[] {
  const seen = new Set<string>();
  const selected: DiscoveredKind[] = [];
  for (const kind of kinds) {
    const key = `${groupOf(kind.apiVersion)}/${kind.kind}`;
    if (seen.has(key) || kind.kind === 'Event') continue;
    if (!kind.verbs.includes('list') || !kind.verbs.includes('delete')) continue;
    seen.add(key);
    selected.push(kind);
  }
  return selected;
}
