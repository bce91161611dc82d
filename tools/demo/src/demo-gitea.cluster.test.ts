// `npm run demo -- --forge gitea` as an end-to-end test: `node tools/demo/run-demo.mjs --forge gitea`
// as a user runs it (its own control plane with simulated nodes, a real Gitea, `ferry-agent run
// --forge gitea`, the `ferry` CLI with ferry.yaml's forge: gitea), checked on its timeline, its exit
// code and that it leaves no process behind.
import { describe, expect, it } from 'vitest';
import { alive, runDemoScript } from './run-demo-script.js';

describe('npm run demo -- --forge gitea', () => {
  it('promotes through Gitea with --auto-merge --wait-live, the agent reporting to Gitea; rolls back, holds, and stops everything', async () => {
    const stdout = await runDemoScript(['--forge', 'gitea']);

    const merge = /merge sha: ([0-9a-f]{40})/.exec(stdout)?.[1];
    expect(merge, stdout).toBeDefined();
    const short = merge!.slice(0, 12);
    const timeline = [
      /demo\s+Gitea 1\.\d+\.\d+ ready at http:\/\/127\.0\.0\.1:\d+; config repo .*ferry\.yaml: forge: gitea/,
      /agent\s+ferry-agent run --forge gitea \(pid \d+\)/,
      /agent\s+initial revision [0-9a-f]{12} applied and healthy \(web 1\.1\.0\)/,
      /ci\s+ferry\.yaml: forge gitea/,
      /ci\s+opening or updating the pull request from ferry\/staging\/web/,
      /ci\s+requesting merge of #1/,
      new RegExp(`ci\\s+pull request #1 merged as ${short}: web in staging: 1\\.1\\.0 -> 1\\.2\\.0`),
      new RegExp(`ci\\s+live: ${short} is live and healthy on demo`),
      // What the agent posted to Gitea on the merge commit, as Gitea lists it: pending, then success.
      new RegExp(`gitea\\s+status ferry/demo/demo/web pending: applying ${short}`),
      new RegExp(`gitea\\s+status ferry/demo/demo/web success: applied and healthy: applied revision ${short}`),
      /kube\s+deployment demo\/staging-web: ghcr\.io\/acme\/web:1\.2\.0 1\/1 available/,
      /ci\s+rolled back web in staging: 1\.2\.0 -> 1\.1\.0/,
      /ci\s+live: [0-9a-f]{12} is live and healthy on demo/,
      /kube\s+deployment demo\/staging-web: ghcr\.io\/acme\/web:1\.1\.0/,
      /ci\s+a later build \(1\.3\.0\) is held back: exit 4: promotion is on hold by oncall: demo: 1\.2\.0 rolled back/,
      /gitea\s+pull request #1 merged: Promote web to staging: 1\.2\.0/,
      /gitea\s+pull request #2 merged: Roll back web in staging to 1\.1\.0/,
      /demo\s+done \(Gitea\): PR opened, merged, applied, healthy; rolled back and held/,
      /demo\s+everything stopped/,
    ];
    let at = 0;
    for (const step of timeline) {
      const m = step.exec(stdout.slice(at));
      expect(m, `${step} after offset ${at} in:\n${stdout}`).not.toBeNull();
      at += m!.index + m![0].length;
    }
    // A drift check of an applied revision posts nothing: one pending and one success on the merge commit.
    expect(stdout.match(new RegExp(`gitea\\s+status ferry/demo/demo/web (pending|success): `, 'g'))).toHaveLength(2);
    // No gitea pull request beyond the two (the held build opened none).
    expect(stdout).not.toMatch(/pull request #3/);
    const agentPid = Number(/ferry-agent run --forge gitea \(pid (\d+)\)/.exec(stdout)?.[1]);
    expect(alive(agentPid)).toBe(false);
  }, 300_000);
});
