import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (req: http.IncomingMessage, body: Buffer) => Promise<{ status: number; body: string; contentType?: string }>;

export interface HttpEndpoint {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A small HTTP server for probes, metrics and the webhook. Bodies over `maxBodyBytes` get 413. */
export async function serveHttp(address: { host: string; port: number }, routes: Record<string, Route>, maxBodyBytes = 1024 * 1024): Promise<HttpEndpoint> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = routes[path];
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) tooBig = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const reply = (status: number, body: string, contentType = 'text/plain; charset=utf-8') => {
        res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      };
      if (!route) return reply(404, 'not found\n');
      if (tooBig) return reply(413, 'request body too large\n');
      route(req, Buffer.concat(chunks)).then(
        (r) => reply(r.status, r.body, r.contentType),
        (error: unknown) => reply(500, `internal error: ${error instanceof Error ? error.message : String(error)}\n`),
      );
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
