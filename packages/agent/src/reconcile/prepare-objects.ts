import { FerryError } from '@ferry/manifest-model';
import type { KubeObject, ObjectRef, RenderedObject } from '../plan/kube-object.js';
import { describeObject, formatObjectKey, groupOf, toObjectRef } from '../plan/kube-object.js';
import type { KubeScope } from '../ports.js';
import { withOwnerLabels, type SyncIdentity } from '../sync/labels.js';

export type Scope = KubeScope;
/** Discovery lookup; undefined when the server does not know the kind. */
export type ScopeLookup = (apiVersion: string, kind: string) => Promise<Scope | undefined>;

export interface PreparedObject {
  object: KubeObject;
  ref: ObjectRef;
  source?: RenderedObject['source'];
  /** The kind is defined by a CRD in this same revision (the server does not know it yet). */
  definedInRevision: boolean;
}

/**
 * Makes rendered objects ready to apply: the default namespace for namespaced objects that name
 * none, no namespace on cluster-scoped ones, and this Sync's owner labels. Kinds unknown to the
 * server are fine only when a CRD in the same revision defines them. Duplicates are an error.
 */
export async function prepareObjects(rendered: readonly RenderedObject[], sync: SyncIdentity, defaultNamespace: string, scopeOf: ScopeLookup): Promise<PreparedObject[]> {
  const crdScopes = new Map<string, Scope>();
  for (const { object } of rendered) {
    if (object.kind === 'CustomResourceDefinition' && groupOf(object.apiVersion) === 'apiextensions.k8s.io') {
      const spec = object.spec as { group?: string; names?: { kind?: string }; scope?: string } | undefined;
      if (spec?.group && spec.names?.kind) crdScopes.set(`${spec.group}/${spec.names.kind}`, spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced');
    }
  }
  const scopeCache = new Map<string, Promise<Scope | undefined>>();
  const seen = new Map<string, RenderedObject>();
  const prepared: PreparedObject[] = [];
  for (const item of rendered) {
    const { object, source } = item;
    const typeKey = `${object.apiVersion}/${object.kind}`;
    let lookup = scopeCache.get(typeKey);
    if (!lookup) {
      lookup = scopeOf(object.apiVersion, object.kind);
      scopeCache.set(typeKey, lookup);
    }
    const known = await lookup;
    const fromCrd = crdScopes.get(`${groupOf(object.apiVersion)}/${object.kind}`);
    const scope = known ?? fromCrd;
    if (!scope) {
      throw new FerryError('plan.unknown-kind', `the cluster has no kind ${object.kind} in ${object.apiVersion}, and no CRD in this revision defines it`, {
        ...(source ? { file: source.file, line: source.line } : {}),
        hint: 'check apiVersion and kind, or add the CustomResourceDefinition to the repository',
      });
    }
    const metadata = { ...object.metadata, labels: withOwnerLabels(object.metadata.labels, sync) };
    if (scope === 'Namespaced') metadata.namespace = object.metadata.namespace || defaultNamespace;
    else delete metadata.namespace;
    const ready: KubeObject = { ...object, metadata };
    const ref = toObjectRef(ready);
    const key = formatObjectKey(ref);
    const earlier = seen.get(key);
    if (earlier) {
      const first = earlier.source ? ` (first at ${earlier.source.file}:${earlier.source.line})` : '';
      throw new FerryError('plan.duplicate', `${describeObject(ref)} is rendered twice${first}`, {
        ...(source ? { file: source.file, line: source.line } : {}),
        hint: 'each object may appear once per Sync',
      });
    }
    seen.set(key, item);
    prepared.push({ object: ready, ref, ...(source ? { source } : {}), definedInRevision: known === undefined });
  }
  return prepared;
}
