// Control-plane chores the scenarios share, done outside the measured windows: namespaces that are
// fully set up before a measurement (so the controller manager's own writes never land inside one)
// and fully gone after, and a git work tree whose commits are pushed to the served repository.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kubectlPath } from '@ferry/testenv';
import { gitEnv, run } from './processes.mjs';

/** Polls `check` until it returns truthy; throws after `timeoutMs`. For setup, never for figures. */
export async function waitFor(what, timeoutMs, check, intervalMs = 200) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const kubectl = (kubeconfig, args, options = {}) => run(kubectlPath(), ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 1 << 26, ...options });

/** Creates a namespace and waits until the controllers have written its defaults. */
export async function createNamespace(kube, kubeconfig, name) {
  await kubectl(kubeconfig, ['create', 'namespace', name]);
  await waitFor(`namespace ${name} set up`, 60_000, async () =>
    (await kube.getJson(`/api/v1/namespaces/${name}/configmaps/kube-root-ca.crt`)) && (await kube.getJson(`/api/v1/namespaces/${name}/serviceaccounts/default`)));
}

/** Deletes a namespace and waits until it and everything in it are gone. */
export async function deleteNamespace(kube, kubeconfig, name) {
  await kubectl(kubeconfig, ['delete', 'namespace', name, '--wait=false']);
  await waitFor(`namespace ${name} deleted`, 300_000, async () => !(await kube.getJson(`/api/v1/namespaces/${name}`)), 500);
}

export function configMapYaml(name, data) {
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(String(v))}`);
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  labels:\n    app: bench\ndata:\n${lines.join('\n')}\n`;
}

/** N ConfigMaps of ~250 bytes, one file each, as the earlier agent benchmark used. */
export async function writeConfigMaps(dir, n, versionOf = () => 1) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const name = `cm-${String(i).padStart(5, '0')}`;
    await writeFile(join(dir, `${name}.yaml`), configMapYaml(name, { index: i, version: versionOf(i), payload: 'x'.repeat(200) }));
  }
}

/** A local work tree whose commits go to `pushUrl` (a bare repo path or the served http URL). */
export async function createWorkTree(dir, pushUrl) {
  await mkdir(dir, { recursive: true });
  // No automatic gc: it would run detached after a large commit and race the removal of `dir`.
  const git = (...args) => run('git', ['-c', 'gc.auto=0', ...args], { cwd: dir, env: gitEnv, maxBuffer: 1 << 26 });
  await git('init', '-q', '-b', 'main');
  return {
    dir,
    /** Commits everything and pushes; returns the new commit id. */
    async commitAndPush(message) {
      await git('add', '-A', '.');
      await git('commit', '-q', '-m', message);
      await git('push', '-q', pushUrl, 'HEAD:refs/heads/main');
      return (await git('rev-parse', 'HEAD')).stdout.trim();
    },
  };
}
