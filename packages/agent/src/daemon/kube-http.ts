/**
 * The few raw API calls the daemon needs beyond the KubeApi port: a create that fails when the
 * object exists (POST), a compare-and-swap replace (PUT with resourceVersion) for the leader Lease,
 * and a streaming watch. Same connection loading as KubeClient (kubeconfig or in-cluster).
 */
import { FerryError } from '@ferry/manifest-model';
import * as http from 'node:http';
import * as https from 'node:https';
import { translateError } from '../adapters/kube-client.js';
import { loadInCluster, loadKubeconfig, type KubeConnection } from '../adapters/load-kubeconfig.js';

export interface KubeHttpOptions {
  kubeconfigPath?: string;
  context?: string;
  inCluster?: { host: string; port: string };
}

export interface KubeHttp {
  /** JSON request; non-2xx answers are thrown as KubeApiError (same codes as KubeClient). */
  request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T>;
  /** Opens a watch; calls onEvent per line; resolves when the server or `signal` ends it. */
  watch(path: string, signal: AbortSignal, onEvent: (event: WatchEvent) => void): Promise<void>;
  close(): void;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: { metadata?: { resourceVersion?: string; [key: string]: unknown }; code?: number; [key: string]: unknown };
}

export async function createKubeHttp(options: KubeHttpOptions): Promise<KubeHttp> {
  let connection: KubeConnection;
  if (options.kubeconfigPath) connection = await loadKubeconfig(options.kubeconfigPath, options.context);
  else if (options.inCluster) connection = await loadInCluster(options.inCluster.host, options.inCluster.port);
  else throw new FerryError('kube.config', 'no kubeconfig and not running in a cluster', { hint: 'pass --kubeconfig PATH or set KUBECONFIG' });
  const server = new URL(connection.server);
  const transport = server.protocol === 'http:' ? http : https;
  const agent = server.protocol === 'http:' ? new http.Agent({ keepAlive: true, maxSockets: 4 }) : new https.Agent({ keepAlive: true, maxSockets: 4, ...connection.tls });
  // Watches hold their socket for minutes: their own agent, so they never starve the short requests.
  const watchAgent = server.protocol === 'http:' ? new http.Agent({ keepAlive: false }) : new https.Agent({ keepAlive: false, ...connection.tls });

  const send = (method: string, path: string, body: string | undefined, useAgent: http.Agent, signal?: AbortSignal) =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = transport.request(new URL(path, server), {
        method, agent: useAgent, ...(signal ? { signal } : {}),
        headers: {
          ...connection.headers, accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}),
        },
      }, resolve);
      req.on('error', reject);
      req.end(body);
    });

  const readAll = async (res: http.IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };

  return {
    async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
      let res: http.IncomingMessage;
      try {
        res = await send(method, path, body === undefined ? undefined : JSON.stringify(body), agent);
      } catch (error) {
        throw translateError(503, JSON.stringify({ message: `cannot reach the Kubernetes API: ${(error as Error).message}` }), method);
      }
      const text = await readAll(res);
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) throw translateError(status, text, method);
      return (text ? JSON.parse(text) : {}) as T;
    },

    async watch(path: string, signal: AbortSignal, onEvent: (event: WatchEvent) => void): Promise<void> {
      let res: http.IncomingMessage;
      try {
        res = await send('GET', path, undefined, watchAgent, signal);
      } catch (error) {
        if (signal.aborted) return;
        throw translateError(503, JSON.stringify({ message: `watch failed: ${(error as Error).message}` }), 'GET');
      }
      if ((res.statusCode ?? 0) >= 300) throw translateError(res.statusCode ?? 0, await readAll(res), 'GET');
      let buffer = '';
      try {
        for await (const chunk of res) {
          buffer += (chunk as Buffer).toString('utf8');
          let newline: number;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (line) onEvent(JSON.parse(line) as WatchEvent);
          }
        }
      } catch (error) {
        if (!signal.aborted) throw translateError(503, JSON.stringify({ message: `watch interrupted: ${(error as Error).message}` }), 'GET');
      }
    },

    close() {
      agent.destroy();
      watchAgent.destroy();
    },
  };
}
