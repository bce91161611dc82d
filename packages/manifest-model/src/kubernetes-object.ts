import { FerryError } from './errors.js';

/** Who an object is: what the API server keys it by (plus the version it was written in). */
export interface ObjectIdentity {
  /** API group; "" for the core group (`v1`). */
  group: string;
  version: string;
  kind: string;
  /** Absent for cluster-scoped objects. */
  namespace?: string;
  name: string;
}

/** The part of an object identityOf reads. */
export interface KubernetesObjectLike {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown } | null;
}

/** Reads an object's identity; throws `object.invalid` saying which field is missing. */
export function identityOf(object: KubernetesObjectLike, where: { file?: string; line?: number } = {}): ObjectIdentity {
  const fail = (why: string): never => {
    throw new FerryError('object.invalid', `not a Kubernetes object: ${why}`, { ...where, hint: 'every object needs apiVersion, kind and metadata.name' });
  };
  if (typeof object.apiVersion !== 'string' || object.apiVersion === '') fail('apiVersion is missing');
  if (typeof object.kind !== 'string' || object.kind === '') fail('kind is missing');
  const name = object.metadata?.name;
  if (typeof name !== 'string' || name === '') fail('metadata.name is missing');
  const apiVersion = object.apiVersion as string;
  const slash = apiVersion.indexOf('/');
  const identity: ObjectIdentity = {
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    kind: object.kind as string,
    name: name as string,
  };
  const namespace = object.metadata?.namespace;
  if (typeof namespace === 'string' && namespace !== '') identity.namespace = namespace;
  return identity;
}

/**
 * A stable key: `namespace_name_group_kind`, the format Flux and kstatus use for inventories.
 * The version is left out on purpose: moving an object from v1beta1 to v1 must not look like a
 * delete plus a create (that would prune it).
 */
export function identityKey(id: Omit<ObjectIdentity, 'version'> & { version?: string }): string {
  return `${id.namespace ?? ''}_${id.name}_${id.group}_${id.kind}`;
}

/** Inverse of identityKey (names, groups and kinds never contain `_`; namespaces neither). */
export function parseIdentityKey(key: string): Omit<ObjectIdentity, 'version'> {
  const parts = key.split('_');
  if (parts.length !== 4 || !parts[1] || !parts[3]) throw new FerryError('object.invalid-key', `"${key}" is not a namespace_name_group_kind key`);
  const [namespace, name, group, kind] = parts as [string, string, string, string];
  return namespace ? { namespace, name, group, kind } : { name, group, kind };
}

/** `apps/v1 Deployment web/api`, for messages. */
export function formatIdentity(id: ObjectIdentity): string {
  const apiVersion = id.group ? `${id.group}/${id.version}` : id.version;
  return `${apiVersion} ${id.kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name}`;
}
