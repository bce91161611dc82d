#!/usr/bin/env node
// `npm run demo`: Ferry's hybrid flow on this machine, end to end, with the tools/ environment:
// a real control plane (with simulated nodes so pods become Ready), the real git http-backend and
// the GitHub stand-in, `ferry-agent run` as a separate process reporting commit statuses, and "CI"
// running the real `ferry` CLI: promote with --auto-merge --wait-live, status, rollback. Prints a
// timeline; everything is stopped at the end (also on Ctrl-C or failure). The steps both forges
// share are in demo-kit.mjs.
import { startEmulatorWorld } from '../testenv/dist/index.js';
import { CONTEXT, onStop, runCiTimeline, runDemo, say, seedFromExamples, startAgent, startCluster } from './demo-kit.mjs';

// `npm run demo -- --forge gitea`: the same timeline against a real Gitea (run-demo-gitea.mjs; it exits).
const forgeAt = process.argv.indexOf('--forge');
const forge = forgeAt === -1 ? 'github' : process.argv[forgeAt + 1];
if (forge === 'gitea') await import('./run-demo-gitea.mjs');
else if (forge !== 'github') {
  process.stderr.write(`npm run demo: --forge must be github or gitea, not "${forge}"\n`);
  process.exit(2);
}

const CI_TOKEN = 'ghp_democitokendemocitokendemoci00000';
const STATUS_TOKEN = 'ghp_demostatustokendemostatustoken000';

async function main() {
  const cluster = await startCluster();

  const world = await startEmulatorWorld({ tokens: [CI_TOKEN, STATUS_TOKEN] });
  onStop(() => world.close());
  const { url: repoUrl } = await world.git.createRepo('acme/config', { seed: await seedFromExamples(['# Promotion config (docs/ferry-yaml.md)']) });
  say('demo', `git server and GitHub stand-in ready; config repo ${repoUrl} seeded from examples/kustomize-app`);

  // Each commit status the agent posts (pending while applying, then success or failure), printed the
  // moment the stand-in records it, before anyone can read it: the timeline shows "applied" and
  // "healthy" strictly before CI can report the revision live.
  world.github.onStatus((s) => {
    if (s.repo === 'acme/config') say('github', `status ${s.context} ${s.state}: ${s.description}`);
  });
  const pid = await startAgent(cluster, { repoUrl, agentArgs: ['--status-api-url', world.github.url], env: { FERRY_STATUS_TOKEN: STATUS_TOKEN } });
  say('agent', `ferry-agent run (pid ${pid}) watching Syncs; reports commit statuses as ${CONTEXT}`);

  // The first sync is read through the same API CI uses.
  const stateOf = async (sha) => {
    const res = await fetch(`${world.github.url}/repos/acme/config/commits/${sha}/status`, { headers: { authorization: `token ${CI_TOKEN}` } });
    return (await res.json()).statuses.find((s) => s.context === CONTEXT)?.state;
  };
  await runCiTimeline(cluster, { api: ['--repo', repoUrl, '--github-api-url', world.github.url], env: { FERRY_GITHUB_TOKEN: CI_TOKEN }, stateOf });
  // Every exchange above was validated against GitHub's API description: any disagreement fails the demo.
  world.github.assertNoViolations();
}

await runDemo(main, 'done: PR opened, merged, applied, healthy; rolled back and held');
