import { identityKey } from '@ferry/manifest-model';

/**
 * The minimal shape of a Kubernetes object the agent works with, and its identity.
 * Identity ignores the API version: `apps/v1 Deployment` and a future `apps/v2 Deployment` with the
 * same namespace and name are the same object to the API server.
 */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** Where a rendered object came from, so errors can name the file and line. */
export interface ObjectSource {
  file: string;
  line: number;
}

/** A rendered object plus where it came from. */
export interface RenderedObject {
  object: KubeObject;
  source?: ObjectSource;
}

/** What an inventory remembers of an object: enough to find and delete it again. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  /** Empty string for cluster-scoped objects. */
  namespace: string;
  name: string;
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

export function toObjectRef(object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
  };
}

/** A stable key (manifest-model's `namespace_name_group_kind`; version left out on purpose, see above). */
export function formatObjectKey(ref: ObjectRef): string {
  return identityKey({ group: groupOf(ref.apiVersion), kind: ref.kind, name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) });
}

/** `Kind namespace/name` or `Kind name`, how people read an object in messages. */
export function describeObject(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}
