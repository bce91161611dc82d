// Readiness by polling (there is no event to wait for): a short request every 100 ms until 200 OK,
// the deadline, or one of the watched processes exiting - then fail at once with its log.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { SupervisedProcess } from './supervised-process.js';

export interface TlsClient {
  caPem: string;
  certPath: string;
  keyPath: string;
}

export async function waitForHttps(url: string, client: TlsClient, deadline: number, watched: SupervisedProcess[]): Promise<void> {
  const tls = { ca: client.caPem, cert: readFileSync(client.certPath), key: readFileSync(client.keyPath) };
  let exited: { process: SupervisedProcess; status: string } | undefined;
  for (const process of watched) void process.exited.then((status) => (exited ??= { process, status }));
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`${exited.process.name} exited (${exited.status}) before ${url} was ready:\n${exited.process.logTail()}`);
    }
    last = await probe(url, tls);
    if (last === '200') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const logs = watched.map((process) => `--- ${process.name}\n${process.logTail(15)}`).join('\n');
  throw new Error(`${url} not ready before the deadline (last answer: ${last})\n${logs}`);
}

function probe(url: string, tls: { ca: string; cert: Buffer; key: Buffer }): Promise<string> {
  return new Promise((resolve) => {
    const req = request(url, { ...tls, timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve(error.message));
    req.end();
  });
}
