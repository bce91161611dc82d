#!/usr/bin/env node
// `npm run demo -- --forge gitea`: the demo's timeline against a REAL Gitea (built from its Go module
// by the test environment) instead of the git server and the GitHub stand-in. A real control plane
// with simulated nodes, `ferry-agent run --forge gitea` as a separate process posting commit statuses
// to Gitea, and "CI" running the real `ferry` CLI: promote with --auto-merge --wait-live (Gitea's
// "merge when checks succeed"), status, rollback, a held build. The config repository's ferry.yaml
// says `forge: gitea`, so the CLI needs no --forge. Everything is stopped at the end (also on Ctrl-C
// or failure). The steps both forges share are in demo-kit.mjs.
import { startGitea } from '../testenv/dist/index.js';
import { CONTEXT, onStop, runCiTimeline, runDemo, say, seedFromExamples, startAgent, startCluster } from './demo-kit.mjs';

async function main() {
  const cluster = await startCluster();

  const gitea = await startGitea();
  onStop(() => gitea.close());
  const repo = await gitea.createRepo('config', { files: await seedFromExamples(['# Promotion config (docs/ferry-yaml.md): the repository lives on Gitea', 'forge: gitea']) });
  const repoPath = `/repos/${repo.fullName}`;
  // The agent's token: a plain user with write access to this repository (statuses), not the admin.
  const reporter = await gitea.createUser('ferry-agent');
  await gitea.api('PUT', `${repoPath}/collaborators/${reporter.username}`, { permission: 'write' });
  say('demo', `Gitea ${gitea.version} ready at ${gitea.url}; config repo ${repo.cloneUrl} seeded from examples/kustomize-app (ferry.yaml: forge: gitea)`);

  const pid = await startAgent(cluster, { repoUrl: repo.cloneUrl, agentArgs: ['--forge', 'gitea', '--status-api-url', gitea.url], env: { FERRY_STATUS_TOKEN: reporter.token } });
  say('agent', `ferry-agent run --forge gitea (pid ${pid}) watching Syncs; posts commit statuses to Gitea as ${CONTEXT}`);

  /** The agent's statuses on a commit as Gitea lists them, oldest first (Gitea names the state `status`). */
  const statuses = async (sha) => (await gitea.api('GET', `${repoPath}/commits/${sha}/statuses`)).filter((s) => s.context === CONTEXT).sort((a, b) => a.id - b.id);
  await runCiTimeline(cluster, {
    api: ['--repo', repo.cloneUrl],
    env: { FERRY_GITEA_TOKEN: gitea.admin.token },
    // The first sync is read from the statuses the agent posts to Gitea.
    stateOf: async (sha) => (await statuses(sha)).at(-1)?.status,
    // What the agent posted on the merge commit, as Gitea lists it.
    afterPromote: async (stdout) => {
      const merge = /merge sha: ([0-9a-f]{40})/.exec(stdout)?.[1];
      if (!merge) return;
      for (const s of await statuses(merge)) say('gitea', `status ${s.context} ${s.status}: ${s.description}`);
    },
  });
  const pulls = await gitea.api('GET', `${repoPath}/pulls?state=all&sort=oldest`);
  for (const p of pulls) say('gitea', `pull request #${p.number} ${p.merged ? 'merged' : p.state}: ${p.title}`);
}

await runDemo(main, 'done (Gitea): PR opened, merged, applied, healthy; rolled back and held');
