// `ferry-agent run` as the scenarios run it: the real bin in its own process, its JSON log read
// from stdout as it arrives, and the chores around it (the Sync CRD, a Sync's Ready check, a
// signed push webhook). Shared by the daemon, latency and fleet scenarios.
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { waitForCrd } from '@ferry/testenv';
import { kubectl, waitFor } from './cluster-helpers.mjs';
import { cpuSecondsOf, onLines, peakMbOf } from './processes.mjs';

// FERRY_BENCH_AGENT_BIN: another launcher of the agent (e.g. one that runs dist/ instead of the
// bundle, to compare the two); the shipped bin otherwise.
const agentBin = process.env.FERRY_BENCH_AGENT_BIN || fileURLToPath(new URL('../../../apps/agent/bin/ferry-agent.js', import.meta.url));
const crdDir = fileURLToPath(new URL('../../../packages/agent/crds/', import.meta.url));

/** Installs the Sync CRD and waits until the API server serves it. */
export async function installSyncCrd(kubeconfig) {
  await kubectl(kubeconfig, ['apply', '--server-side', '--force-conflicts', '-f', crdDir]);
  await waitForCrd(kubeconfig, 'syncs.ferry.dev');
}

/** Whether Sync `namespace/name` is Ready with `revision` applied. */
export async function syncAppliedAt(kube, namespace, name, revision) {
  const sync = await kube.getJson(`/apis/ferry.dev/v1alpha1/namespaces/${namespace}/syncs/${name}`);
  return sync?.status?.lastAppliedRevision === revision && sync.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Starts `ferry-agent run ARGS`; resolves once it logged that it started (killed if it does not
 * within 60 s). `onEntry(entry, at)` sees every log entry with the monotonic time its chunk arrived;
 * warnings and errors also go to the progress log. `started` is the 'agent started' entry (its
 * webhook and metrics URLs).
 */
export async function startAgentProcess(args, { progress, onEntry = () => {} }) {
  const child = spawn(agentBin, ['run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let started;
  onLines(child.stdout, (line, at) => {
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      return; // not a log entry
    }
    if (entry.msg === 'agent started') started = entry;
    if (entry.level === 'error' || entry.level === 'warn') progress.log(`agent: ${line.slice(0, 300)}`);
    onEntry(entry, at);
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await Promise.race([
      waitFor('the agent to start', 60_000, async () => started !== undefined),
      exited.then((code) => { throw new Error(`ferry-agent run exited ${code}: ${stderr.slice(-2000)}`); }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    started,
    /** User + system CPU seconds the agent process used so far. */
    cpuSeconds: () => cpuSecondsOf(child.pid),
    /** The agent process's peak resident set so far, in MB. */
    peakMb: () => peakMbOf(child.pid),
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`ferry-agent run exited ${code} on SIGTERM: ${stderr.slice(-2000)}`);
    },
  };
}

/**
 * POSTs a signed GitHub push event for `repoUrl` at `after` to the agent's webhook endpoint; throws
 * unless the agent accepted it for Sync `expectSync` (namespace/name).
 */
export async function postPushWebhook({ webhookUrl, secret, repoUrl, after, expectSync }) {
  // The agent refuses a signed body it has seen (its replay guard): a real push's body is never the
  // same twice (head_commit, pusher, timestamps); here a nonce stands in for those.
  const body = JSON.stringify({ ref: 'refs/heads/main', after, repository: { clone_url: repoUrl, html_url: repoUrl }, bench_nonce: randomUUID() });
  const res = await fetch(`${webhookUrl}/hook/github`, {
    method: 'POST', body,
    headers: {
      'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
  });
  const text = await res.text();
  if (res.status !== 202 || !text.includes(expectSync)) throw new Error(`webhook answered ${res.status}: ${text}`);
}
