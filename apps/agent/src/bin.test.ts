// The real bin, as users run it: `node apps/agent/bin/ferry-agent.js` loads the bundle
// (apps/agent/bundle/), so this test first brings it up to date with the same build `npm ci` runs
// (build-bundle.mjs). Issue 14: the agent loads its bundle, never the hundreds of files of dist/ and
// node_modules, and what it loads lazily (client-node, for exec plugins) still works bundled.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { shippedBin } from '@ferry/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
let bin: string;
let dir: string;

beforeAll(() => {
  bin = shippedBin('agent');
  dir = mkdtempSync(join(tmpdir(), 'ferry-agent-bin-'));
}, 200_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bin/ferry-agent.js', () => {
  it('loads only the bin and its bundle', () => {
    // A module-resolution hook (module.register) records every module the bin resolves.
    const hooks = join(dir, 'record-hooks.mjs');
    writeFileSync(hooks, "import { appendFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  const r = await next(specifier, context);\n  appendFileSync(process.env.FERRY_TEST_RESOLVED, r.url + '\\n');\n  return r;\n}\n");
    const register = join(dir, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    const log = join(dir, 'resolved.txt');
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, bin, '--help'], { cwd: dir, encoding: 'utf8', timeout: 30_000, env: { ...process.env, FERRY_TEST_RESOLVED: log } });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('ferry-agent sync --once');
    const files = [...new Set(readFileSync(log, 'utf8').trim().split('\n').filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u).slice(repoRoot.length)))];
    expect(files).toContain('apps/agent/bundle/main.js');
    expect(files.filter((f) => f !== 'apps/agent/bin/ferry-agent.js' && !f.startsWith('apps/agent/bundle/'))).toEqual([]);
  });

  describe('a kubeconfig whose user runs an exec plugin (client-node, a lazily loaded chunk)', () => {
    let server: Server;
    const seen: Array<{ path: string; authorization: string | undefined }> = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
        // Discovery of the Sync kind, then an empty list of Syncs.
        const body = req.url === '/apis/ferry.dev/v1alpha1' ? { kind: 'APIResourceList', groupVersion: 'ferry.dev/v1alpha1', resources: [{ name: 'syncs', kind: 'Sync', namespaced: true, verbs: ['list'] }] } : { kind: 'SyncList', apiVersion: 'ferry.dev/v1alpha1', items: [] };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it('sends the token the plugin printed', async () => {
      const plugin = join(dir, 'credential-plugin.sh');
      writeFileSync(plugin, '#!/bin/sh\necho \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"token-from-the-plugin"}}\'\n');
      chmodSync(plugin, 0o755);
      const kubeconfig = join(dir, 'kubeconfig');
      const port = (server.address() as { port: number }).port;
      writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ${plugin}\n      interactiveMode: Never\n`);
      // Asynchronous: the server answering it runs in this process.
      const child = spawn(process.execPath, [bin, 'sync', '--once', '--all', '--kubeconfig', kubeconfig], { cwd: dir, env: { PATH: process.env['PATH'] ?? '', HOME: dir } });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise((resolve) => child.on('exit', resolve));
      expect(stderr).toContain('no Sync objects found');
      expect(code).toBe(0);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((r) => r.authorization === 'Bearer token-from-the-plugin')).toBe(true);
    });
  });
});
