// Issue 17, bug 8: four Syncs whose render blocked (helm reading standard input) took every
// reconcile slot until the tool timeout, and an ordinary Sync waited the whole run. Here the daemon
// runs in-process against the real API server and git server; the hanging Syncs use a fake `helm`
// that never finishes (the only fake: what matters is a render that hangs), the ordinary Sync is
// plain YAML. With two slots and three hanging Syncs, the ordinary one must still be applied
// within about one reconcile after the hanging ones cross slowAfterMs, long before the tool timeout.
import { kubectlPath } from '@ferry/testenv';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configMap, createSource, ensureNamespace, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { createSync, eventually, getSync, readyRevision, useDaemonCluster, startTestAgent } from './test/daemon-harness.js';

let h: AgentHarness;
let kubeconfig: string;
useDaemonCluster((cluster) => ({ h, kubeconfig } = cluster));

const chart = {
  'chart/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 0.1.0\n',
  'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
};

describe('ferry-agent run: a Sync whose render hangs does not starve the others', () => {
  it('three hanging renders, two slots: an ordinary Sync is applied within one reconcile, long before the tool timeout', { timeout: 120_000 }, async () => {
    const ns = uniqueName('slow');
    await ensureNamespace(h, ns);
    // The fake helm records its pid (so the test can end exactly the processes it caused) and hangs.
    const pids = join(h.tmp, `${ns}-pids`);
    await mkdir(pids);
    const hangingHelm = join(h.tmp, `${ns}-helm`);
    await writeFile(hangingHelm, `#!/bin/sh\necho $$ > "${pids}/$$"\nexec /bin/sleep 300\n`);
    await chmod(hangingHelm, 0o755);

    const stuck = await createSource(h, `${ns}-stuck`, chart);
    for (const name of ['stuck-1', 'stuck-2', 'stuck-3']) {
      await createSync(kubeconfig, ns, name, { url: stuck.url, render: 'helm', helm: { chart: 'chart' }, interval: '1s' });
    }
    const toolTimeoutMs = 100_000;
    const agent = await startTestAgent(h, kubeconfig, ns, {
      maxConcurrent: 2,
      tools: { kubectl: kubectlPath(), helm: hangingHelm, timeoutMs: toolTimeoutMs },
      schedule: { jitter: 0.1, backoffBaseMs: 200, backoffMaxMs: 2_000, slowAfterMs: 1_000 },
    });
    try {
      // Both slots hold a hanging render before the ordinary Sync exists.
      await eventually('two renders hanging', 30_000, async () => (await readdir(pids)).length >= 2);
      const ordinary = await createSource(h, `${ns}-web`, { 'app/a.yaml': configMap('a', { v: '1' }) });
      const created = Date.now();
      await createSync(kubeconfig, ns, 'web', { url: ordinary.url, path: 'app' });
      expect(await eventually('the ordinary Sync applied', 30_000, async () => readyRevision(await getSync(h, ns, 'web')))).toBe(ordinary.first);
      const waitedMs = Date.now() - created;
      expect(waitedMs).toBeLessThan(toolTimeoutMs / 3);
      expect(agent.logs.join('\n')).toContain('moved to the slow lane');
    } finally {
      const result = await agent.stop(500);
      // End the hanging renders this test started (by pid), so no process outlives the test.
      for (const pid of await readdir(pids)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // Already ended.
        }
      }
      expect(result.abandoned.every((key) => key.includes('/stuck-'))).toBe(true);
    }
  });
});
