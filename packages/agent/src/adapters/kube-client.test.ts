import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from './kube-client.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-kube-client-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown> = {}): Promise<string> {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}`);
  await writeFile(path, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'main',
    contexts: [{ name: 'main', context: { cluster: 'c', user: 'u' } }],
    clusters: [{ name: 'c', cluster }], users: [{ name: 'u', user }],
  }));
  return path;
}

describe('KubeClient', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '[::1]'],
  ])('sends requests under the server URL\'s own path (an API server behind a proxy path), listening on %s', async (address, host) => {
    const paths: string[] = [];
    const server: Server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end(req.url === '/proxy/k8s/apis' ? '{"groups":[]}' : '{"resources":[{"name":"configmaps","kind":"ConfigMap","namespaced":true,"verbs":["get"]}]}');
    });
    await new Promise<void>((resolve) => server.listen(0, address, resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const kube = await KubeClient.create({ kubeconfigPath: await kubeconfig({ server: `http://${host}:${port}/proxy/k8s/` }) });
      const { kinds } = await kube.discoverKinds();
      kube.close();
      expect(kinds.map((k) => k.kind)).toEqual(['ConfigMap']);
      expect(paths.sort()).toEqual(['/proxy/k8s/api/v1', '/proxy/k8s/apis']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a client certificate that is not PEM, naming the kubeconfig entries to check', async () => {
    const path = await kubeconfig({ server: 'https://127.0.0.1:6443' }, { 'client-certificate-data': Buffer.from('not a certificate').toString('base64'), 'client-key-data': Buffer.from('not a key').toString('base64') });
    await expect(KubeClient.create({ kubeconfigPath: path })).rejects.toMatchObject({ code: 'kube.config', message: expect.stringContaining('client certificate or key is not usable') });
  });
});
