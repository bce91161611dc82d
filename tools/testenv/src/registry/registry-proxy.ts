// A pass-through proxy in front of the real registry: it records what clients ask (method, path,
// Accept, the auth scheme, never the credentials) and can answer in the registry's place with an
// error status, the way a registry behind a failing load balancer does.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  accept?: string;
  /** `basic`, `bearer` or another scheme; absent without an Authorization header. */
  auth?: string;
  status: number;
  /** Answered by the proxy (an injected fault), not the registry. */
  injected: boolean;
}

export interface RegistryProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT, the host part of image names that go through the proxy. */
  host: string;
  requests: ProxiedRequest[];
  /** The next `count` requests (default: every one until `clearFaults`) get this status instead. */
  failWith(status: number, count?: number): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export async function startRegistryProxy(target: string): Promise<RegistryProxy> {
  const upstream = new URL(target);
  const requests: ProxiedRequest[] = [];
  let fault: { status: number; remaining: number } | undefined;
  const sockets = new Set<Socket>();

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const entry: ProxiedRequest = {
      method: req.method ?? 'GET', path: req.url ?? '/', status: 0, injected: false,
      ...(req.headers.accept ? { accept: req.headers.accept } : {}),
      ...(req.headers.authorization ? { auth: req.headers.authorization.split(' ')[0]!.toLowerCase() } : {}),
    };
    requests.push(entry);
    if (fault && fault.remaining > 0) {
      fault.remaining--;
      entry.status = fault.status;
      entry.injected = true;
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'injected by the test proxy', detail: null }] }));
      return;
    }
    const forward = httpRequest({
      host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers,
    }, (answer) => {
      entry.status = answer.statusCode ?? 0;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', (err) => {
      entry.status = 502;
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${err.message}`);
    });
    req.pipe(forward);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    failWith(status, count = Number.POSITIVE_INFINITY) {
      fault = { status, remaining: count };
    },
    clearFaults() {
      fault = undefined;
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    }),
  };
}
