import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeconfig } from './load-kubeconfig.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-kubeconfig-'));
  await writeFile(join(dir, 'ca.crt'), 'CA-PEM');
  await writeFile(join(dir, 'token'), 'file-token\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(user: Record<string, unknown>, cluster: Record<string, unknown> = { server: 'https://k:6443', 'certificate-authority': 'ca.crt' }): Promise<string> {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}`);
  await writeFile(path, `apiVersion: v1
kind: Config
current-context: main
contexts:
- name: main
  context: {cluster: c, user: u}
- name: other
  context: {cluster: c, user: nobody}
clusters:
- name: c
  cluster: ${JSON.stringify(cluster)}
users:
- name: u
  user: ${JSON.stringify(user)}
`);
  return path;
}

describe('loadKubeconfig', () => {
  it('reads inline client certificates and a CA file relative to the kubeconfig', async () => {
    const path = await write({ 'client-certificate-data': Buffer.from('CERT').toString('base64'), 'client-key-data': Buffer.from('KEY').toString('base64') });
    const c = await loadKubeconfig(path);
    expect(c.server).toBe('https://k:6443');
    expect(String(c.tls.ca)).toBe('CA-PEM');
    expect(String(c.tls.cert)).toBe('CERT');
    expect(String(c.tls.key)).toBe('KEY');
    expect(c.headers).toEqual({});
  });

  it.each([
    [{ token: 'abc' }, 'Bearer abc'],
    [{ tokenFile: 'TOKENFILE' }, 'Bearer file-token'],
    [{ username: 'u', password: 'p' }, `Basic ${Buffer.from('u:p').toString('base64')}`],
  ])('authorization from %j', async (user, header) => {
    const resolved = JSON.parse(JSON.stringify(user).replace('TOKENFILE', join(dir, 'token'))) as Record<string, unknown>;
    expect((await loadKubeconfig(await write(resolved))).headers.authorization).toBe(header);
  });

  it('honours insecure-skip-tls-verify', async () => {
    const c = await loadKubeconfig(await write({ token: 't' }, { server: 'https://k', 'insecure-skip-tls-verify': true }));
    expect(c.tls.rejectUnauthorized).toBe(false);
  });

  it.each([
    ['a missing file', async () => join(dir, 'absent'), undefined, 'cannot read kubeconfig'],
    ['an unknown context', () => write({ token: 't' }), 'staging', 'no context staging'],
  ])('names %s', async (_name, path, context, text) => {
    await expect(loadKubeconfig(await path(), context)).rejects.toMatchObject({ code: 'kube.config', message: expect.stringContaining(text) });
  });
});
