import { kubectl, waitForCrd } from '@ferry/testenv';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
// Test support from the agent package (test-only files, not part of its public API).
import { configMap, createSource, ensureNamespace, getConfigMap, startAgentHarness, uniqueName, type AgentHarness } from '../../../packages/agent/src/test/agent-harness.js';
import { main } from './main.js';

// `ferry-agent sync --once` and `diff` with spec.verify, against the run's real kube-apiserver and git
// http-backend: an unsigned head is refused exactly as the daemon refuses it.
const crdDir = fileURLToPath(new URL('../../../packages/agent/crds/', import.meta.url));
let h: AgentHarness;
let kubeconfig: string;
let keyDir: string;

beforeAll(async () => {
  kubeconfig = inject('kubeconfigPath');
  h = await startAgentHarness(kubeconfig);
  await kubectl(kubeconfig, ['apply', '--server-side', '--force-conflicts', '-f', crdDir]);
  await waitForCrd(kubeconfig, 'syncs.ferry.dev');
  keyDir = await mkdtemp(join(tmpdir(), 'ferry-verify-keys-'));
  await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'trusted', '-f', join(keyDir, 'trusted')]);
});
afterAll(async () => {
  await h?.close();
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) => new Writable({ write(chunk, _enc, done) { append(String(chunk)); done(); } });
  const code = await main([...argv, '--kubeconfig', kubeconfig, '--cache-dir', `${h.tmp}/cli-cache`], { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), env: {} });
  return { code, stdout, stderr };
}

describe('sync --once and diff honour spec.verify', () => {
  it('refuse an unsigned head: exit 3, Stalled with the reason in status, nothing applied', async () => {
    const ns = uniqueName('cli-verify');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, { 'app/a.yaml': configMap('a', { v: '1' }) });
    const pub = await readFile(join(keyDir, 'trusted.pub'), 'utf8');
    await h.kube.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys', namespace: ns }, data: { 'trusted.pub': Buffer.from(pub).toString('base64') } });
    await kubectl(kubeconfig, ['apply', '--server-side', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', metadata: { name: 'app', namespace: ns }, spec: { url: src.url, path: 'app', verify: { secretRef: { name: 'keys' } } } }),
    });

    const diff = await run(['diff', '--sync', `${ns}/app`, '--json']);
    expect(diff.code, diff.stderr).toBe(3);
    expect(JSON.parse(diff.stdout).syncs[0]).toMatchObject({ outcome: 'Stalled', error: { code: 'source.unsigned' } });

    const sync = await run(['sync', '--once', '--sync', `${ns}/app`, '--json']);
    expect(sync.code, sync.stderr).toBe(3);
    const report = JSON.parse(sync.stdout).syncs[0];
    expect(report).toMatchObject({ outcome: 'Stalled', reason: 'FetchFailed', error: { code: 'source.unsigned' }, revision: src.first });
    expect(report.changes).toEqual([]);
    expect(await getConfigMap(h, ns, 'a')).toBeUndefined();
    const status = JSON.parse(await kubectl(kubeconfig, ['get', 'sync', 'app', '-n', ns, '-o', 'json'])).status as { conditions: Array<{ type: string; status: string; reason: string }> };
    expect(status.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Stalled', status: 'True', reason: 'FetchFailed' })]));
  });
});
