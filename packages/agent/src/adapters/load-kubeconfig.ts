import { FerryError } from '@ferry/manifest-model';
import { readFile } from 'node:fs/promises';
import type { RequestOptions } from 'node:https';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

/** How to reach and authenticate to the API server. */
export interface KubeConnection {
  server: string;
  tls: Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'>;
  headers: Record<string, string>;
}

interface NamedEntry<T> {
  name: string;
  [key: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}
type Entry = Record<string, unknown>;

/**
 * Reads a kubeconfig file: client certificates, tokens, token files and basic auth, inline or by
 * path. Exec plugins and auth providers (cloud logins) are delegated to client-node, loaded only
 * then: importing it costs about 80 MB and a second or two of startup, for every run.
 */
export async function loadKubeconfig(path: string, context?: string): Promise<KubeConnection> {
  let config: { 'current-context'?: string; contexts?: NamedEntry<Entry>[]; clusters?: NamedEntry<Entry>[]; users?: NamedEntry<Entry>[] };
  try {
    config = parse(await readFile(path, 'utf8')) ?? {};
  } catch (error) {
    throw new FerryError('kube.config', `cannot read kubeconfig ${path}: ${error instanceof Error ? error.message : String(error)}`, { hint: 'pass --kubeconfig PATH' });
  }
  const contextName = context ?? config['current-context'];
  const ctx = config.contexts?.find((c) => c.name === contextName)?.context;
  if (!ctx) throw new FerryError('kube.config', `kubeconfig ${path} has no context ${contextName ?? '(current-context unset)'}`, { hint: 'pass --context NAME' });
  const cluster = config.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster || typeof cluster.server !== 'string') throw new FerryError('kube.config', `kubeconfig ${path}: cluster ${String(ctx.cluster)} has no server`);
  const user = config.users?.find((u) => u.name === ctx.user)?.user ?? {};
  if (user.exec || user['auth-provider']) return loadWithClientNode(path, contextName as string);

  const base = dirname(path);
  const fileOrData = async (data: unknown, file: unknown): Promise<Buffer | undefined> => {
    if (typeof data === 'string') return Buffer.from(data, 'base64');
    if (typeof file === 'string') return readFile(isAbsolute(file) ? file : join(base, file));
    return undefined;
  };
  const tls: KubeConnection['tls'] = {};
  const ca = await fileOrData(cluster['certificate-authority-data'], cluster['certificate-authority']);
  if (ca) tls.ca = ca;
  if (cluster['insecure-skip-tls-verify'] === true) tls.rejectUnauthorized = false;
  const cert = await fileOrData(user['client-certificate-data'], user['client-certificate']);
  const key = await fileOrData(user['client-key-data'], user['client-key']);
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  const headers: Record<string, string> = {};
  const token = typeof user.token === 'string' ? user.token : typeof user.tokenFile === 'string' ? (await readFile(user.tokenFile, 'utf8')).trim() : undefined;
  if (token) headers.authorization = `Bearer ${token}`;
  else if (typeof user.username === 'string') headers.authorization = `Basic ${Buffer.from(`${user.username}:${String(user.password ?? '')}`).toString('base64')}`;
  return { server: cluster.server, tls, headers };
}

/** In-cluster: the pod's service account token and CA; host and port come from the app (env). */
export async function loadInCluster(host: string, port: string, secretsDir = '/var/run/secrets/kubernetes.io/serviceaccount'): Promise<KubeConnection> {
  const token = (await readFile(join(secretsDir, 'token'), 'utf8')).trim();
  const ca = await readFile(join(secretsDir, 'ca.crt'));
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { server, tls: { ca }, headers: { authorization: `Bearer ${token}` } };
}

async function loadWithClientNode(path: string, context: string): Promise<KubeConnection> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  config.loadFromFile(path);
  config.setCurrentContext(context);
  const options: RequestOptions = {};
  await config.applyToHTTPSOptions(options);
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new FerryError('kube.config', `kubeconfig ${path} names no current cluster`);
  return {
    server: cluster.server,
    tls: { ...(options.ca ? { ca: options.ca } : {}), ...(options.cert ? { cert: options.cert } : {}), ...(options.key ? { key: options.key } : {}), ...(options.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}) },
    headers: Object.fromEntries(Object.entries((options.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), String(v)])),
  };
}
