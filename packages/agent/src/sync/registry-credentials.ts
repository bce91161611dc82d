import { FerryError } from '@ferry/manifest-model';
import type { KubeApi } from '../ports.js';
import { ociChartHost } from './sync-spec.js';

export const DockerConfigJsonType = 'kubernetes.io/dockerconfigjson';

/**
 * The registry config helm pulls an `oci://` chart with, from the Secret named by
 * spec.helm.secretRef: a `kubernetes.io/dockerconfigjson` Secret (what `kubectl create secret
 * docker-registry` makes, and Flux's HelmRepository secretRef takes), read with `kube` (the Sync's
 * ServiceAccount when it has one). Only the entry for the chart's registry host is kept, so a
 * Secret holding several registries' passwords never sends one to another host. Errors name the
 * Secret and the host, never a credential.
 */
export async function readRegistryConfig(kube: Pick<KubeApi, 'get'>, namespace: string, name: string, chart: string): Promise<string> {
  const host = ociChartHost(chart).toLowerCase();
  const where = `Secret ${namespace}/${name} named by spec.helm.secretRef`;
  const create = `kubectl -n ${namespace} create secret docker-registry ${name} --docker-server=${host} --docker-username=USER --docker-password=PASSWORD`;
  const secret = await kube.get({ apiVersion: 'v1', kind: 'Secret', namespace, name });
  if (!secret) throw new FerryError('sync.secret-not-found', `${where} does not exist; nothing was pulled or applied`, { hint: `create it: ${create}` });
  const type = (secret as { type?: unknown }).type;
  const encoded = (secret.data as Record<string, string> | undefined)?.['.dockerconfigjson'];
  if (type !== DockerConfigJsonType || encoded === undefined) {
    throw new FerryError('sync.secret-invalid', `${where} is of type ${typeof type === 'string' ? type : '(none)'}${encoded === undefined ? ' without the key .dockerconfigjson' : ''}, not ${DockerConfigJsonType}; nothing was pulled`, { hint: `create it as a registry Secret: ${create}` });
  }
  return registryConfigFor(Buffer.from(encoded, 'base64').toString('utf8'), chart, where, `recreate it: ${create}`);
}

/**
 * The Docker config `text` cut down to the entry of `chart`'s registry host, as helm's
 * `--registry-config` reads it: `{"auths":{"HOST":{"auth":"base64(user:password)"}}}`. `where`
 * names the config in errors (a Secret, or `--helm-registry-config FILE`).
 */
export function registryConfigFor(text: string, chart: string, where: string, fix: string): string {
  const host = ociChartHost(chart).toLowerCase();
  let auths: Record<string, unknown>;
  try {
    const parsed = JSON.parse(text) as { auths?: unknown };
    if (!parsed.auths || typeof parsed.auths !== 'object' || Array.isArray(parsed.auths)) throw new Error('no auths');
    auths = parsed.auths as Record<string, unknown>;
  } catch {
    throw new FerryError('sync.secret-invalid', `${where}: not a Docker config with "auths"; nothing was pulled`, { hint: fix });
  }
  const hosts = Object.keys(auths).map((key) => [key, registryHostOf(key)] as const);
  const match = hosts.find(([, h]) => h === host);
  if (!match) {
    throw new FerryError('sync.secret-host-denied', `${where} has no credentials for the chart's registry ${host} (it has ${hosts.map(([, h]) => h).join(', ') || 'none'}); nothing was sent`, {
      hint: `add an entry for ${host}, or fix the chart's oci:// URL`,
    });
  }
  const entry = auths[match[0]] as { auth?: unknown; username?: unknown; password?: unknown } | null;
  const auth = typeof entry?.auth === 'string' && entry.auth
    ? entry.auth
    : typeof entry?.username === 'string' && typeof entry.password === 'string' ? Buffer.from(`${entry.username}:${entry.password}`).toString('base64') : undefined;
  if (!auth) throw new FerryError('sync.secret-invalid', `${where}: the entry for ${host} has neither "auth" nor "username" and "password"; nothing was pulled`, { hint: fix });
  return JSON.stringify({ auths: { [host]: { auth } } });
}

/** `https://registry.example.com/v2/` -> `registry.example.com`; `127.0.0.1:5000` as it is. */
function registryHostOf(key: string): string {
  return key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0]!.toLowerCase();
}
