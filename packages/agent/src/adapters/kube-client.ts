import { FerryError } from '@ferry/manifest-model';
import * as http from 'node:http';
import * as https from 'node:https';
import { connect as connectTcp, isIP } from 'node:net';
import { connect as connectTls, createSecureContext } from 'node:tls';
import type { KubeObject, ObjectRef } from '../plan/kube-object.js';
import { KubeApiError, type ClusterCapabilities, type KubeApi, type KubeScope, type KubeWatchApi, type WatchEvent } from '../ports.js';
import { describeObject, groupOf } from '../plan/kube-object.js';
import type { DiscoveredKind, Discovery } from '../plan/search-kinds.js';
import { FieldManager } from '../sync/labels.js';
import { Http1Pool } from './http1-pool.js';
import { loadInCluster, loadKubeconfig, type KubeConnection } from './load-kubeconfig.js';

// The ports this client implements, and the error it translates to, live in ports.ts.
export { KubeApiError } from '../ports.js';
export type { KubeApi, KubeWatchApi, WatchEvent } from '../ports.js';

export interface KubeClientOptions {
  /** Path of a kubeconfig file. */
  kubeconfigPath?: string;
  context?: string;
  /** In-cluster: KUBERNETES_SERVICE_HOST and _PORT, read by the app. */
  inCluster?: { host: string; port: string };
  /** Upper bound of parallel requests (HTTP keep-alive sockets). */
  maxSockets?: number;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who a view made by `KubeClient.impersonate` acts as. */
export interface Impersonation {
  username: string;
  groups: readonly string[];
}

/**
 * ServiceAccount `namespace/name` as an impersonated user. No groups are sent: for a ServiceAccount
 * user the API server adds exactly its groups itself (`system:serviceaccounts`,
 * `system:serviceaccounts:<namespace>`, `system:authenticated`), what a token of it would get. Sending
 * them would need `impersonate` on `groups`, a right that also lets the agent claim any group
 * (`system:masters`); without it the agent needs only `impersonate` on `serviceaccounts`.
 */
export function serviceAccountUser(namespace: string, name: string): Impersonation {
  return { username: `system:serviceaccount:${namespace}:${name}`, groups: [] };
}

export interface RequestStats {
  /** Requests that change state: non-dry-run PATCH, POST, PUT, DELETE. */
  writes: number;
  dryRuns: number;
  reads: number;
}

interface Resource {
  name: string;
  namespaced: boolean;
}

/**
 * A small JSON client over node:https with keep-alive, authenticated from the kubeconfig: the one
 * HTTP client to the API server (reconciles, and the daemon's watch and leader Lease).
 *
 * Why not client-node's `KubernetesObjectApi`: client-node 1.4 serialises bodies through its typed models, which
 * silently drops unknown fields (`spec.replicass` would vanish instead of failing the dry-run) and
 * turns timestamps into Date objects, which breaks the dry-run-vs-live comparison. Raw JSON keeps
 * the server's own validation (`fieldValidation=Strict`) and exact objects. client-node is still
 * used for kubeconfigs with exec plugins or auth providers (see load-kubeconfig.ts).
 */
export class KubeClient implements KubeApi, KubeWatchApi {
  private constructor(
    /** Where every request goes (the kubeconfig's server URL, taken apart once). */
    private readonly origin: Origin,
    private readonly baseOptions: https.RequestOptions,
    /** Kept-alive connections for every request but watches. */
    private readonly pool: Http1Pool,
    /** Watches hold their socket for minutes: their own agent, so they never starve the short requests. */
    private readonly watchAgent: http.Agent,
    /** Shared with impersonating views: one count per connection, one discovery cache. */
    readonly stats: RequestStats = { writes: 0, dryRuns: 0, reads: 0 },
    private readonly discovery = new Map<string, Promise<Map<string, Resource>>>(),
    /** Set on a view made by `impersonate`: it does not own the sockets. */
    readonly impersonating?: Impersonation,
  ) {}

  /**
   * A view of this client that acts as `user`: every request carries `Impersonate-User` and one
   * `Impersonate-Group` per group, so the API server authorizes it as that identity (the client's
   * own identity needs the `impersonate` verb). It shares the sockets, discovery cache and counts.
   */
  impersonate(user: Impersonation): KubeClient {
    const headers = { ...(this.baseOptions.headers as Record<string, string> | undefined), 'impersonate-user': user.username, ...(user.groups.length ? { 'impersonate-group': [...user.groups] } : {}) };
    return new KubeClient(this.origin, { ...this.baseOptions, headers }, this.pool, this.watchAgent, this.stats, this.discovery, user);
  }

  asServiceAccount(namespace: string, name: string): KubeClient {
    return this.impersonate(serviceAccountUser(namespace, name));
  }

  static async create(options: KubeClientOptions = {}): Promise<KubeClient> {
    let connection: KubeConnection;
    if (options.kubeconfigPath) connection = await loadKubeconfig(options.kubeconfigPath, options.context);
    else if (options.inCluster) connection = await loadInCluster(options.inCluster.host, options.inCluster.port);
    else throw new FerryError('kube.config', 'no kubeconfig and not running in a cluster', { hint: 'pass --kubeconfig PATH or set KUBECONFIG' });
    const origin = originOf(new URL(connection.server));
    const port = Number(origin.port || (origin.protocol === 'http:' ? 80 : 443));
    const maxConnections = options.maxSockets ?? 16;
    if (origin.protocol === 'http:') {
      const pool = new Http1Pool({ host: origin.host, maxConnections, connect: () => connectTcp({ host: origin.hostname, port }) });
      return new KubeClient(origin, { headers: connection.headers }, pool, new http.Agent({ keepAlive: false }));
    }
    const tls = secureContextOf(connection);
    // No SNI for an IP address (Node's own https does the same); the certificate is checked against it all the same.
    const servername = isIP(origin.hostname) ? {} : { servername: origin.hostname };
    const pool = new Http1Pool({ host: origin.host, maxConnections, connect: () => connectTls({ host: origin.hostname, port, ...servername, ...tls }) });
    return new KubeClient(origin, { headers: connection.headers }, pool, new https.Agent({ keepAlive: false, ...tls }));
  }

  close(): void {
    // A view's sockets belong to the client it was made from.
    if (this.impersonating) return;
    this.pool.close();
    this.watchAgent.destroy();
  }

  forgetDiscovery(): void {
    this.discovery.clear();
  }

  async discoverKinds(): Promise<Discovery> {
    const groups = await this.request<{ groups?: Array<{ preferredVersion?: { groupVersion?: string } }> }>('GET', '/apis');
    const versions = ['v1', ...(groups.groups ?? []).flatMap((g) => (g.preferredVersion?.groupVersion ? [g.preferredVersion.groupVersion] : []))];
    // All group versions at once (about 25 on a bare cluster): one round trip instead of 25 in a
    // row, which against an API server 10 ms away was a quarter of a second of a first sync.
    const lists = await Promise.all(versions.map(async (apiVersion) => {
      try {
        return await this.request<{ resources?: Array<{ name: string; kind: string; namespaced: boolean; verbs?: string[] }> }>('GET', apiBase(apiVersion));
      } catch (error) {
        // An aggregated API that is down (503) must not hide every other kind.
        if (!(error instanceof KubeApiError)) throw error;
        return undefined;
      }
    }));
    const kinds: DiscoveredKind[] = [];
    const failed: string[] = [];
    lists.forEach((list, index) => {
      const apiVersion = versions[index] as string;
      if (!list) failed.push(apiVersion);
      for (const r of list?.resources ?? []) if (!r.name.includes('/')) kinds.push({ apiVersion, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs ?? [] });
    });
    return { kinds, failed };
  }

  /**
   * `/version` and every served group version with its kinds, as `helm install` builds
   * `.Capabilities` (one request per group version; only renders that run helm ask).
   */
  async serverCapabilities(): Promise<ClusterCapabilities> {
    const [version, core, groups] = await Promise.all([
      this.request<{ gitVersion?: string; major?: string; minor?: string }>('GET', '/version'),
      this.request<{ versions?: string[] }>('GET', '/api'),
      this.request<{ groups?: Array<{ versions?: Array<{ groupVersion?: string }> }> }>('GET', '/apis'),
    ]);
    const groupVersions = [...(core.versions ?? []), ...(groups.groups ?? []).flatMap((g) => (g.versions ?? []).flatMap((v) => (v.groupVersion ? [v.groupVersion] : [])))];
    const kinds = await Promise.all(groupVersions.map(async (groupVersion) => {
      try {
        const list = await this.request<{ resources?: Array<{ name: string; kind: string }> }>('GET', apiBase(groupVersion));
        return (list.resources ?? []).filter((r) => !r.name.includes('/')).map((r) => `${groupVersion}/${r.kind}`);
      } catch (error) {
        // An aggregated API that is down (503) still counts as served; its kinds are unknown.
        if (!(error instanceof KubeApiError)) throw error;
        return [];
      }
    }));
    return { kubeVersion: helmKubeVersion(version), apiVersions: [...new Set([...groupVersions, ...kinds.flat()])] };
  }

  async scopeOf(apiVersion: string, kind: string): Promise<KubeScope | undefined> {
    const resource = await this.resourceOf(apiVersion, kind);
    if (!resource) return undefined;
    return resource.namespaced ? 'Namespaced' : 'Cluster';
  }

  async apply(object: KubeObject, options: { dryRun?: boolean } = {}): Promise<KubeObject> {
    const ref = refOf(object);
    const query = new URLSearchParams({ fieldManager: FieldManager, force: 'true', fieldValidation: 'Strict' });
    if (options.dryRun) query.set('dryRun', 'All');
    const path = await this.objectPath(ref);
    return this.request<KubeObject>('PATCH', `${path}?${query}`, JSON.stringify(object), 'application/apply-patch+yaml', ref, options.dryRun);
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    try {
      return await this.request<KubeObject>('GET', await this.objectPath(ref), undefined, undefined, ref);
    } catch (error) {
      if (error instanceof KubeApiError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async getMetadata(ref: ObjectRef): Promise<KubeObject | undefined> {
    try {
      return await this.request<KubeObject>('GET', await this.objectPath(ref), undefined, undefined, ref, false, 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1');
    } catch (error) {
      if (error instanceof KubeApiError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async list(apiVersion: string, kind: string, options: { namespace?: string; labelSelector?: string } = {}): Promise<KubeObject[]> {
    const resource = await this.requireResource(apiVersion, kind);
    const base = this.collectionPath(apiVersion, resource, options.namespace);
    const items: KubeObject[] = [];
    let continueToken: string | undefined;
    do {
      const query = new URLSearchParams({ limit: '500' });
      if (options.labelSelector) query.set('labelSelector', options.labelSelector);
      if (continueToken) query.set('continue', continueToken);
      const page = await this.request<{ items: KubeObject[]; metadata?: { continue?: string } }>('GET', `${base}?${query}`);
      // List items carry no apiVersion/kind; put them back so they read like single objects.
      for (const item of page.items) items.push({ ...item, apiVersion, kind });
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
    return items;
  }

  async delete(ref: ObjectRef): Promise<boolean> {
    try {
      await this.request('DELETE', await this.objectPath(ref), JSON.stringify({ propagationPolicy: 'Background' }), 'application/json', ref);
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.statusCode === 404) return false;
      throw error;
    }
  }

  async mergePatch(ref: ObjectRef, patch: unknown, options: { subresource?: 'status' } = {}): Promise<KubeObject> {
    const path = `${await this.objectPath(ref)}${options.subresource ? `/${options.subresource}` : ''}`;
    return this.request<KubeObject>('PATCH', path, JSON.stringify(patch), 'application/merge-patch+json', ref);
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const ref = refOf(object);
    const resource = await this.requireResource(ref.apiVersion, ref.kind);
    return this.request<KubeObject>('POST', this.collectionPath(ref.apiVersion, resource, ref.namespace), JSON.stringify(object), 'application/json', ref);
  }

  async replace(object: KubeObject): Promise<KubeObject> {
    const ref = refOf(object);
    return this.request<KubeObject>('PUT', await this.objectPath(ref), JSON.stringify(object), 'application/json', ref);
  }

  async listForWatch(apiVersion: string, kind: string, options: { namespace?: string; labelSelector?: string } = {}): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const resource = await this.requireResource(apiVersion, kind);
    const selector = options.labelSelector ? `?${new URLSearchParams({ labelSelector: options.labelSelector })}` : '';
    const list = await this.request<{ items: KubeObject[]; metadata: { resourceVersion: string } }>('GET', `${this.collectionPath(apiVersion, resource, options.namespace)}${selector}`);
    return { items: list.items.map((item) => ({ ...item, apiVersion, kind })), resourceVersion: list.metadata.resourceVersion };
  }

  async watch(apiVersion: string, kind: string, options: { namespace?: string; labelSelector?: string; resourceVersion: string; timeoutSeconds?: number }, signal: AbortSignal, onEvent: (event: WatchEvent) => void): Promise<void> {
    const resource = await this.requireResource(apiVersion, kind);
    const query = new URLSearchParams({ watch: '1', resourceVersion: options.resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: String(options.timeoutSeconds ?? 300) });
    if (options.labelSelector) query.set('labelSelector', options.labelSelector);
    const path = `${this.collectionPath(apiVersion, resource, options.namespace)}?${query}`;
    let res: http.IncomingMessage;
    try {
      res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const { protocol, hostname, port, prefix } = this.origin;
        const options = { protocol, hostname, port, path: `${prefix}${path}`, agent: this.watchAgent, signal, headers: this.headersWith({ accept: 'application/json' }) };
        const req = protocol === 'http:' ? http.request(options, resolve) : https.request(options, resolve);
        req.on('error', reject);
        req.end();
      });
    } catch (error) {
      if (signal.aborted) return;
      throw unavailable(error, 'watch failed');
    }
    if ((res.statusCode ?? 0) >= 300) throw translateError(res.statusCode ?? 0, await readBody(res), 'GET');
    let buffer = '';
    try {
      for await (const chunk of res) {
        buffer += (chunk as Buffer).toString('utf8');
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (!line) continue;
          const event = JSON.parse(line) as WatchEvent;
          // Objects in a watch carry apiVersion and kind; fill them in for a server that leaves them out.
          if (event.type !== 'ERROR' && event.type !== 'BOOKMARK') event.object = { apiVersion, kind, ...event.object };
          onEvent(event);
        }
      }
    } catch (error) {
      if (!signal.aborted) throw unavailable(error, 'watch interrupted');
    }
  }

  private collectionPath(apiVersion: string, resource: Resource, namespace: string | undefined): string {
    return `${apiBase(apiVersion)}${resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${resource.name}`;
  }

  private async objectPath(ref: ObjectRef): Promise<string> {
    const resource = await this.requireResource(ref.apiVersion, ref.kind);
    const ns = resource.namespaced ? `/namespaces/${encodeURIComponent(ref.namespace || 'default')}` : '';
    return `${apiBase(ref.apiVersion)}${ns}/${resource.name}/${encodeURIComponent(ref.name)}`;
  }

  private async requireResource(apiVersion: string, kind: string): Promise<Resource> {
    const resource = await this.resourceOf(apiVersion, kind);
    if (!resource) {
      throw new KubeApiError('kube.unknown-kind', `the server has no kind ${kind} in ${apiVersion}`, 404, 'NotFound', 'kind');
    }
    return resource;
  }

  private async resourceOf(apiVersion: string, kind: string): Promise<Resource | undefined> {
    // The few core kinds the agent itself reads and writes (its inventory, Secrets, Namespaces) are
    // fixed in the v1 API: no discovery request, so a no-op sync stays at one API call.
    const builtIn = apiVersion === 'v1' ? coreResources[kind] : undefined;
    if (builtIn) return builtIn;
    let entry = this.discovery.get(apiVersion);
    if (!entry) {
      entry = this.discover(apiVersion);
      this.discovery.set(apiVersion, entry);
      // A failed or empty discovery must not stick: the group may appear once its CRD is applied.
      entry.catch(() => this.discovery.delete(apiVersion));
    }
    const resource = (await entry).get(kind);
    if (!resource) this.discovery.delete(apiVersion);
    return resource;
  }

  private async discover(apiVersion: string): Promise<Map<string, Resource>> {
    const byKind = new Map<string, Resource>();
    try {
      const list = await this.request<{ resources: Array<{ name: string; kind: string; namespaced: boolean }> }>('GET', apiBase(apiVersion));
      for (const r of list.resources) if (!r.name.includes('/')) byKind.set(r.kind, { name: r.name, namespaced: r.namespaced });
    } catch (error) {
      if (!(error instanceof KubeApiError && error.statusCode === 404)) throw error;
    }
    return byKind;
  }

  /** Headers every request carries (authorization, impersonation) and this one's own. */
  private headersWith(headers: Record<string, string>): Record<string, string | string[]> {
    return { ...(this.baseOptions.headers as Record<string, string | string[]> | undefined), ...headers };
  }

  private async request<T>(method: Method, path: string, body?: string, contentType?: string, ref?: ObjectRef, dryRun?: boolean, accept = 'application/json'): Promise<T> {
    if (method === 'GET') this.stats.reads++;
    else if (dryRun) this.stats.dryRuns++;
    else this.stats.writes++;
    let response;
    try {
      // Under the server URL's own path if it has one (an API server behind a proxy path).
      response = await this.pool.request(method, `${this.origin.prefix}${path}`, this.headersWith({ accept, ...(contentType ? { 'content-type': contentType } : {}) }), body);
    } catch (error) {
      throw unavailable(error);
    }
    const text = response.body.toString('utf8');
    if (response.status < 200 || response.status >= 300) throw translateError(response.status, text, method, ref);
    try {
      return (text ? JSON.parse(text) : {}) as T;
    } catch (error) {
      throw unavailable(error);
    }
  }
}

interface Origin {
  protocol: string;
  /** The Host header: hostname (IPv6 in brackets) and a port other than the default. */
  host: string;
  hostname: string;
  port: string;
  /** The server URL's own path without its trailing slash ('' for most): requests go under it. */
  prefix: string;
}

function originOf(server: URL): Origin {
  return {
    protocol: server.protocol,
    host: server.host,
    // An IPv6 literal without its brackets, as Node's own URL handling passes it.
    hostname: server.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: server.port,
    prefix: server.pathname.replace(/\/$/, ''),
  };
}

/**
 * The kubeconfig's CA, client certificate and key as one TLS context, made once for every
 * connection of the pool and of the watch agent. Passed as ca, cert and key instead, Node's
 * https.Agent folds them (Buffers, a few KB) into the string it looks its sockets up by, on every
 * request (a tenth of the client's CPU in a sync of 1,000 objects, when all requests went through it).
 */
function secureContextOf(connection: KubeConnection): https.AgentOptions {
  const { rejectUnauthorized, ...material } = connection.tls;
  let secureContext;
  try {
    secureContext = createSecureContext(material);
  } catch (error) {
    throw new FerryError('kube.config', `the kubeconfig's certificate authority, client certificate or key is not usable: ${error instanceof Error ? error.message : String(error)}`, { hint: 'check the certificate-authority, client-certificate and client-key entries (PEM, base64 in the -data fields)' });
  }
  return { secureContext, ...(rejectUnauthorized === false ? { rejectUnauthorized: false } : {}) };
}

const coreResources: Record<string, Resource> = {
  ConfigMap: { name: 'configmaps', namespaced: true },
  Secret: { name: 'secrets', namespaced: true },
  Namespace: { name: 'namespaces', namespaced: false },
};

/**
 * The server's version as helm's `--kube-version` accepts it: `vMAJOR.MINOR.PATCH` from gitVersion
 * (a build suffix such as `+k3s1` dropped), else from major and minor (`1`, `31+`); undefined when
 * neither says (an API server built without version stamps reports `v0.0.0-master+$Format:%H$`).
 */
export function helmKubeVersion(version: { gitVersion?: string; major?: string; minor?: string }): string | undefined {
  const git = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.gitVersion ?? '');
  if (git && git[1] !== '0') return `v${git[1]}.${git[2]}.${git[3]}`;
  const major = /^\d+/.exec(version.major ?? '')?.[0];
  const minor = /^\d+/.exec(version.minor ?? '')?.[0];
  return major && minor && major !== '0' ? `v${major}.${minor}.0` : undefined;
}

function apiBase(apiVersion: string): string {
  return groupOf(apiVersion) ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

function unavailable(error: unknown, what = 'cannot reach the Kubernetes API'): KubeApiError {
  const message = error instanceof Error ? error.message : String(error);
  return new KubeApiError('kube.unavailable', `${what}: ${message}`, 0, 'ServiceUnavailable');
}

function refOf(object: KubeObject): ObjectRef {
  return { apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name };
}

async function readBody(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { kind?: string; causes?: Array<{ message?: string; field?: string }> };
}

/** Kubernetes Status -> KubeApiError with a stable code, keeping the server's own words. */
export function translateError(status: number, text: string, method: string, ref?: ObjectRef): KubeApiError {
  let body: StatusBody = {};
  try {
    body = JSON.parse(text) as StatusBody;
  } catch {
    body = { message: text.slice(0, 500) };
  }
  const what = ref ? `${describeObject(ref)}: ` : '';
  const message = `${what}${body.message ?? `HTTP ${status}`}`;
  const reason = body.reason ?? '';
  const detailsKind = body.details?.kind;
  if (status === 403) return new KubeApiError('kube.forbidden', `${message}`, status, reason, detailsKind);
  if (status === 401) return new KubeApiError('kube.unauthorized', message, status, reason, detailsKind);
  if (status === 404) return new KubeApiError('kube.not-found', message, status, reason, detailsKind);
  if (status === 409) return new KubeApiError('kube.conflict', message, status, reason, detailsKind);
  // The object itself is too big (etcd's limit, about 1.5 MiB; the request limit, 3 MiB): retrying
  // cannot help, the source must change.
  if (status === 413) return new KubeApiError('kube.invalid', `${message} (the object is larger than the API server accepts; split it or move the data elsewhere)`, status, reason, detailsKind);
  // Server-side apply reports a body that does not fit the schema as a 500 "failed to create typed
  // patch object"; it is the object's fault, not the server's.
  const schemaMismatch = /failed to create typed patch object|field not declared in schema/.test(message);
  if (status === 422 || status === 400 || (status === 500 && schemaMismatch)) {
    const immutable = /immutable|may not change once set|cannot change once set/i.test(message);
    return new KubeApiError(immutable ? 'kube.immutable' : 'kube.invalid', message, status, reason, detailsKind);
  }
  if (status === 429 || status >= 500) return new KubeApiError('kube.unavailable', `${method} failed: ${message}`, status, reason, detailsKind);
  return new KubeApiError('kube.error', message, status, reason, detailsKind);
}
