// startControlPlane itself, with its own instance (no controller manager: faster): certificate users
// for RBAC tests, the admin token, and a stop() that leaves no process and no directory behind.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { writeKubeconfig } from './kubeconfig.js';
import { runKubectl } from './run-kubectl.js';

function processesMentioning(text: string): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('pgrep', ['-f', text], (_error, stdout) => resolve(stdout.split('\n').filter(Boolean)));
  });
}

describe('startControlPlane', () => {
  let controlPlane: ControlPlane;
  beforeAll(async () => {
    controlPlane = await startControlPlane({ controllerManager: false });
  });
  afterAll(() => controlPlane?.stop());

  it('issues certificate users that RBAC refuses until a binding grants them rights', async () => {
    const kubeconfig = await controlPlane.createUserKubeconfig({ user: 'jane', groups: ['ferry:readers'] });
    const before = await runKubectl(kubeconfig, ['get', 'configmaps', '-n', 'default']);
    expect(before.exitCode).not.toBe(0);
    expect(before.stderr).toContain('configmaps is forbidden: User "jane" cannot list resource "configmaps"');

    await controlPlane.kubectl(['create', 'configmap', 'settings', '-n', 'default']);
    // A plain Role: the built-in view/edit/admin are aggregated by the controller manager, not run here.
    await controlPlane.kubectl(['create', 'role', 'reader', '-n', 'default', '--verb=get,list', '--resource=configmaps']);
    await controlPlane.kubectl(['create', 'rolebinding', 'readers', '-n', 'default', '--role=reader', '--group=ferry:readers']);
    // The authorizer sees the binding through its informer, a moment later: poll, bounded.
    let after = await runKubectl(kubeconfig, ['get', 'configmaps', '-n', 'default', '-o', 'name']);
    for (const deadline = Date.now() + 10_000; after.exitCode !== 0 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await runKubectl(kubeconfig, ['get', 'configmaps', '-n', 'default', '-o', 'name']);
    }
    expect(after.stderr).toBe('');
    expect(after.stdout).toContain('configmap/settings');
    // The role only reads.
    const write = await runKubectl(kubeconfig, ['create', 'configmap', 'x', '-n', 'default']);
    expect(write.stderr).toContain('cannot create resource "configmaps"');
  });

  it('accepts the admin bearer token and rejects a wrong one', async () => {
    const withToken = (token: string, name: string) =>
      writeKubeconfig({ path: join(controlPlane.dir, name), server: controlPlane.server, caPem: controlPlane.caData, user: 'token-user', credential: { token } });
    const ok = await runKubectl(await withToken(controlPlane.adminToken, 'token.kubeconfig'), ['get', 'namespaces', '-o', 'name']);
    expect(ok.stdout).toContain('namespace/kube-system');
    const bad = await runKubectl(await withToken('not-the-token', 'bad-token.kubeconfig'), ['get', 'namespaces']);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toMatch(/Unauthorized|must be logged in/);
  });

  it('restartApiServer(): refused while down, then the same port, certificates, token and etcd data', async () => {
    await controlPlane.kubectl(['create', 'configmap', 'survives-restart', '-n', 'default', '--from-literal=v=1']);
    const tokenConfig = await writeKubeconfig({ path: join(controlPlane.dir, 'restart-token.kubeconfig'), server: controlPlane.server, caPem: controlPlane.caData, user: 'token-user', credential: { token: controlPlane.adminToken } });
    await controlPlane.stopApiServer({ graceMs: 0 });
    const down = await runKubectl(controlPlane.kubeconfigPath, ['get', 'configmap', 'survives-restart', '-n', 'default', '--request-timeout=5s']);
    expect(down.exitCode).not.toBe(0);
    expect(down.stderr).toMatch(/connection to the server 127\.0\.0\.1:\d+ was refused|connection refused/);
    await controlPlane.startApiServer();
    // The same kubeconfigs (server URL, CA, client certificate, token) work; etcd kept the object.
    expect(await controlPlane.kubectl(['get', 'configmap', 'survives-restart', '-n', 'default', '-o', 'jsonpath={.data.v}'])).toBe('1');
    const viaToken = await runKubectl(tokenConfig, ['get', 'configmap', 'survives-restart', '-n', 'default', '-o', 'name']);
    expect(viaToken.stdout.trim()).toBe('configmap/survives-restart');
    await controlPlane.restartApiServer();
    expect(await controlPlane.kubectl(['get', 'configmap', 'survives-restart', '-n', 'default', '-o', 'name'])).toContain('configmap/survives-restart');
  });

  it('stop() ends every process and removes the working directory', async () => {
    const own = await startControlPlane({ controllerManager: false });
    expect(await processesMentioning(own.dir)).not.toHaveLength(0);
    await own.stop();
    expect(await processesMentioning(own.dir)).toHaveLength(0);
    expect(existsSync(own.dir)).toBe(false);
    await own.stop(); // idempotent
  });
});
