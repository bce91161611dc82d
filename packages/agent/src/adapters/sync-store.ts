import { FerryError } from '@ferry/manifest-model';
import type { KubeObject } from '../plan/kube-object.js';
import type { SyncTarget } from '../reconcile/reconcile-sync.js';
import type { SyncStatus } from '../reconcile/sync-status.js';
import { parseSyncSpec, SyncApiVersion, SyncKind } from '../sync/sync-spec.js';
import type { GitCredentials } from './git-source.js';
import type { KubeApi } from './kube-client.js';

export interface SyncSelection {
  /** One Sync by name (needs `namespace`), or every Sync in `namespace`, or in all namespaces. */
  name?: string;
  namespace?: string;
}

/** A Sync object whose spec could not be used: reported as Stalled/InvalidConfig, never applied. */
export interface InvalidSync {
  identity: { name: string; namespace: string };
  generation?: number;
  status?: SyncStatus;
  error: FerryError;
}

/** Reads Sync objects and their credentials Secrets. */
export async function loadSyncTargets(kube: KubeApi, selection: SyncSelection): Promise<Array<SyncTarget | InvalidSync>> {
  let objects: KubeObject[];
  if (selection.name) {
    const one = await kube.get({ apiVersion: SyncApiVersion, kind: SyncKind, namespace: selection.namespace ?? 'default', name: selection.name });
    if (!one) throw new FerryError('sync.not-found', `Sync ${selection.namespace ?? 'default'}/${selection.name} does not exist`, { hint: 'list them with `kubectl get syncs -A`' });
    objects = [one];
  } else {
    objects = await kube.list(SyncApiVersion, SyncKind, selection.namespace ? { namespace: selection.namespace } : {});
  }
  const targets: Array<SyncTarget | InvalidSync> = [];
  for (const object of objects.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))) {
    const identity = { name: object.metadata.name, namespace: object.metadata.namespace ?? 'default' };
    const generation = typeof object.metadata.generation === 'number' ? object.metadata.generation : undefined;
    const status = object.status as SyncStatus | undefined;
    const common = { identity, ...(generation !== undefined ? { generation } : {}), ...(status ? { status } : {}) };
    try {
      if (identity.name.length > 63) throw new FerryError('sync.spec', `Sync name ${identity.name} is longer than 63 characters (it becomes a label value)`);
      const spec = parseSyncSpec(object.spec, `Sync ${identity.namespace}/${identity.name}`);
      const credentials = spec.secretRef ? await readCredentials(kube, identity.namespace, spec.secretRef.name) : undefined;
      targets.push({ ...common, spec, fromObject: true, ...(credentials ? { credentials } : {}) });
    } catch (error) {
      if (!(error instanceof FerryError) || !(error.code.startsWith('sync.') || error.code === 'kube.forbidden')) throw error;
      targets.push({ ...common, error });
    }
  }
  return targets;
}

export function isInvalidSync(target: SyncTarget | InvalidSync): target is InvalidSync {
  return 'error' in target;
}

async function readCredentials(kube: KubeApi, namespace: string, name: string): Promise<GitCredentials> {
  const secret = await kube.get({ apiVersion: 'v1', kind: 'Secret', namespace, name });
  if (!secret) throw new FerryError('sync.secret-not-found', `Secret ${namespace}/${name} named by spec.secretRef does not exist`, { hint: 'create it with keys username+password or bearerToken' });
  const data = (secret.data ?? {}) as Record<string, string>;
  const decode = (key: string) => (data[key] === undefined ? undefined : Buffer.from(data[key], 'base64').toString('utf8'));
  const credentials: GitCredentials = {};
  const username = decode('username');
  const password = decode('password');
  const bearerToken = decode('bearerToken');
  if (username !== undefined) credentials.username = username;
  if (password !== undefined) credentials.password = password;
  if (bearerToken !== undefined) credentials.bearerToken = bearerToken;
  if (!Object.keys(credentials).length) {
    throw new FerryError('sync.secret-invalid', `Secret ${namespace}/${name} has none of the keys username, password, bearerToken`);
  }
  return credentials;
}
