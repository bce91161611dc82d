// The demo's flow as an end-to-end test: `node tools/demo/run-demo.mjs` as a user runs it (its own
// control plane with simulated nodes, git server, GitHub stand-in, `ferry-agent run`, the `ferry`
// CLI), checked on its timeline, its exit code and that it leaves no process behind.
import { describe, expect, it } from 'vitest';
import { alive, runDemoScript } from './run-demo-script.js';

describe('npm run demo', () => {
  it('promotes with --auto-merge --wait-live, shows the rollout, rolls back, holds, and stops everything', async () => {
    const stdout = await runDemoScript();

    const merge = /merge sha: ([0-9a-f]{40})/.exec(stdout)?.[1];
    expect(merge, stdout).toBeDefined();
    const short = merge!.slice(0, 12);
    const timeline = [
      /agent\s+initial revision [0-9a-f]{12} applied and healthy \(web 1\.1\.0\)/,
      /ci\s+opening or updating the pull request from ferry\/staging\/web/,
      /ci\s+requesting merge of #1/,
      new RegExp(`github status ferry/demo/demo/web pending: applying ${short}`),
      new RegExp(`github status ferry/demo/demo/web success: applied and healthy: applied revision ${short}`),
      new RegExp(`ci\\s+live: ${short} is live and healthy on demo`),
      /kube\s+deployment demo\/staging-web: ghcr\.io\/acme\/web:1\.2\.0 1\/1 available/,
      /ci\s+rolled back web in staging: 1\.2\.0 -> 1\.1\.0/,
      /kube\s+deployment demo\/staging-web: ghcr\.io\/acme\/web:1\.1\.0/,
      /ci\s+a later build \(1\.3\.0\) is held back: exit 4: promotion is on hold by oncall: demo: 1\.2\.0 rolled back/,
      /demo\s+done: PR opened, merged, applied, healthy; rolled back and held/,
      /demo\s+everything stopped/,
    ];
    let at = 0;
    for (const step of timeline) {
      const m = step.exec(stdout.slice(at));
      expect(m, `${step} after offset ${at} in:\n${stdout}`).not.toBeNull();
      at += m!.index + m![0].length;
    }
    // A drift check of an applied revision posts nothing: one pending and one success per revision.
    expect(stdout.match(new RegExp(`status ferry/demo/demo/web pending: applying ${short}`, 'g'))).toHaveLength(1);
    const agentPid = Number(/ferry-agent run \(pid (\d+)\)/.exec(stdout)?.[1]);
    expect(alive(agentPid)).toBe(false);
  }, 300_000);
});
