import { FerryError } from '@ferry/manifest-model';
import type { KubeObject } from '../plan/kube-object.js';
import type { GitCredentials, KubeApi, SyncStatus, SyncTarget } from '../ports.js';
import { GitCredentialsLabel, GitHostsAnnotation, hostOfUrl, parseGitHosts } from '../sync/git-credentials-policy.js';
import { parseSyncSpec, SyncApiVersion, SyncKind } from '../sync/sync-spec.js';
import { AdoptInventoryAnnotation } from '../sync/labels.js';

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
      const credentials = spec.secretRef ? await readCredentials(kube, identity.namespace, spec.secretRef.name, spec.url) : undefined;
      const adopt = object.metadata.annotations?.[AdoptInventoryAnnotation];
      targets.push({ ...common, spec, fromObject: true, ...(credentials ? { credentials } : {}), ...(adopt ? { adoptInventory: adopt } : {}) });
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

/**
 * The Sync's git credentials, only from a Secret that opted in (label ferry.dev/git-credentials:
 * "true") for the host of `url` (annotation ferry.dev/git-hosts). Anything else is refused before
 * a single request is made, so a Sync cannot send an unrelated Secret to a server of its choice.
 */
async function readCredentials(kube: KubeApi, namespace: string, name: string, url: string): Promise<GitCredentials> {
  const secret = await kube.get({ apiVersion: 'v1', kind: 'Secret', namespace, name });
  const where = `Secret ${namespace}/${name} named by spec.secretRef`;
  const optIn = `kubectl -n ${namespace} label secret ${name} ${GitCredentialsLabel}=true`;
  const host = hostOfUrl(url);
  const annotate = `kubectl -n ${namespace} annotate secret ${name} ${GitHostsAnnotation}=${host ? displayHost(url, host) : 'HOST'}`;
  if (!secret) {
    throw new FerryError('sync.secret-not-found', `${where} does not exist`, {
      hint: `create it with keys username+password or bearerToken, the label ${GitCredentialsLabel}: "true" and the annotation ${GitHostsAnnotation} naming the git host`,
    });
  }
  if (secret.metadata.labels?.[GitCredentialsLabel] !== 'true') {
    throw new FerryError('sync.secret-not-opted-in', `${where} is not marked as git credentials (label ${GitCredentialsLabel}: "true"); nothing was sent to the git server`, {
      hint: `if this Secret is meant for the git server, run: ${optIn} && ${annotate}`,
    });
  }
  const hostsText = secret.metadata.annotations?.[GitHostsAnnotation];
  if (hostsText === undefined) {
    throw new FerryError('sync.secret-hosts', `${where} does not say which git hosts it may be sent to (annotation ${GitHostsAnnotation}); nothing was sent`, { hint: `run: ${annotate}` });
  }
  if (!host) throw new FerryError('sync.spec', `Sync spec.url "${url}" is not a valid http(s) URL`, { hint: 'fix spec.url' });
  // URL parsers disagree on where the host of such a URL ends (isomorphic-git reads a\@b as user
  // info "a\" on host b, WHATWG as host a); the git source checks every request's host as well.
  if (/[\\\s]/.test(url)) {
    throw new FerryError('sync.secret-host-denied', `Sync spec.url contains a backslash or white space, so its host is ambiguous; ${where} is not sent with it`, { hint: 'write spec.url without backslashes or spaces' });
  }
  const scheme = new URL(url).protocol;
  const hosts = parseGitHosts(hostsText, scheme, `${where}`);
  if (!hosts.includes(host)) {
    throw new FerryError('sync.secret-host-denied', `${where} may be sent to ${hosts.join(', ')} (annotation ${GitHostsAnnotation}), not to ${host} of spec.url; nothing was sent`, {
      hint: `if ${host} may receive these credentials, add it to the annotation: kubectl -n ${namespace} annotate --overwrite secret ${name} ${GitHostsAnnotation}=${[...hosts, host].join(',')}; otherwise fix spec.url`,
    });
  }
  const data = (secret.data ?? {}) as Record<string, string>;
  const decode = (key: string) => (data[key] === undefined ? undefined : Buffer.from(data[key], 'base64').toString('utf8'));
  const credentials: GitCredentials = { hosts };
  const username = decode('username');
  const password = decode('password');
  const bearerToken = decode('bearerToken');
  if (username !== undefined) credentials.username = username;
  if (password !== undefined) credentials.password = password;
  if (bearerToken !== undefined) credentials.bearerToken = bearerToken;
  if (username === undefined && password === undefined && bearerToken === undefined) {
    throw new FerryError('sync.secret-invalid', `${where} has none of the keys username, password, bearerToken`);
  }
  return credentials;
}

/** The annotation entry a hint suggests: the bare host for the scheme's default port. */
function displayHost(url: string, host: string): string {
  const parsed = new URL(url);
  return parsed.port ? host : host.slice(0, host.lastIndexOf(':'));
}
