import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configMap, createSource, ensureNamespace, getConfigMap, startAgentHarness, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { createSync, eventually, getSync, installCrd, readyRevision, startTestAgent } from '../daemon/test/daemon-harness.js';

// Sync.spec.verify end to end: the daemon against the real kube-apiserver and git http-backend,
// commits made and SSH-signed by the real git and ssh-keygen.
const exec = promisify(execFile);
let h: AgentHarness;
let kubeconfig: string;
let keyDir: string;
beforeAll(async () => {
  kubeconfig = inject('kubeconfigPath');
  h = await startAgentHarness(kubeconfig);
  await installCrd(kubeconfig);
  keyDir = await mkdtemp(join(tmpdir(), 'ferry-keys-'));
  for (const name of ['trusted', 'other']) await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(keyDir, name)]);
});
afterAll(async () => {
  await h?.close();
  await rm(keyDir, { recursive: true, force: true });
});

/** Replaces the branch's tree with `files` as one commit, SSH-signed with `key` when given. */
async function commitSigned(barePath: string, files: Record<string, string>, key?: string): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'ferry-signed-'));
  const env = { PATH: process.env['PATH'] ?? '', HOME: work, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@ferry.invalid', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@ferry.invalid' };
  const git = async (...args: string[]) => (await exec('git', args, { cwd: work, env })).stdout.trim();
  try {
    await git('init', '-q', '-b', 'main');
    await git('fetch', '-q', barePath, '+refs/heads/main:refs/remotes/origin/main');
    await git('reset', '-q', '--soft', 'refs/remotes/origin/main');
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(work, path)), { recursive: true });
      await writeFile(join(work, path), content);
    }
    await git('add', '-A', '.');
    const sign = key ? ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${key}`, 'commit', '-S'] : ['commit'];
    await git(...sign, '-q', '--allow-empty', '-m', key ? 'signed' : 'unsigned');
    await git('push', '-q', barePath, 'HEAD:refs/heads/main');
    return await git('rev-parse', 'HEAD');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const stalledMessage = async (ns: string): Promise<string | undefined> => {
  const conditions = ((await getSync(h, ns, 'app'))?.status as { conditions?: Array<{ type: string; status: string; message: string }> } | undefined)?.conditions;
  return conditions?.find((c) => c.type === 'Stalled' && c.status === 'True')?.message;
};

describe('commit signature verification (spec.verify)', () => {
  it('unsigned and untrusted heads are not applied and the status says why; a trusted one is applied', async () => {
    const ns = uniqueName('signed');
    await ensureNamespace(h, ns);
    const trustedPub = await readFile(join(keyDir, 'trusted.pub'), 'utf8');
    await h.kube.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'trusted-keys', namespace: ns }, data: { 'release.pub': Buffer.from(trustedPub).toString('base64') } });
    const src = await createSource(h, ns, { 'app/a.yaml': configMap('a', { v: 'unsigned' }) });
    await createSync(kubeconfig, ns, 'app', { url: src.url, path: 'app', interval: '1s', verify: { secretRef: { name: 'trusted-keys' } } });
    const agent = await startTestAgent(h, kubeconfig, ns);
    try {
      expect(await eventually('unsigned refused', 15_000, () => stalledMessage(ns))).toMatch(/not signed/);
      expect(await getConfigMap(h, ns, 'a')).toBeUndefined();

      await commitSigned(src.path, { 'app/a.yaml': configMap('a', { v: 'other' }) }, join(keyDir, 'other'));
      expect(await eventually('untrusted refused', 15_000, async () => (await stalledMessage(ns))?.match(/not by a trusted key/)?.[0])).toBeTruthy();
      expect(await getConfigMap(h, ns, 'a')).toBeUndefined();

      const good = await commitSigned(src.path, { 'app/a.yaml': configMap('a', { v: 'trusted' }) }, join(keyDir, 'trusted'));
      await eventually('trusted applied', 15_000, async () => readyRevision(await getSync(h, ns, 'app')) === good).catch(async (error: unknown) => {
        throw new Error(`${String(error)}; status: ${JSON.stringify((await getSync(h, ns, 'app'))?.status)}`);
      });
      expect((await getConfigMap(h, ns, 'a'))?.data).toEqual({ v: 'trusted' });
    } finally {
      await agent.stop(5_000);
    }
  });
});
