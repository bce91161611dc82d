// Rows of the "agent" scenario against a remote API server: both sides reach the same control plane
// through a TCP proxy that adds 5 ms each way (lib/latency-proxy.mjs), as a cluster in another
// network would answer. First sync of N ConfigMaps, each run into fresh namespaces with a fresh git
// cache (the git server stays on loopback: this is about the API server). kubectl applies one
// object after another, so it pays the round trip per object; the agent keeps requests in flight.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectlPath } from '@ferry/testenv';
import { diffCounts } from '../lib/kube-api.mjs';
import { createNamespace, deleteNamespace } from '../lib/cluster-helpers.mjs';
import { startLatencyProxy, writeKubeconfigVia } from '../lib/latency-proxy.mjs';
import { timedOk } from '../lib/processes.mjs';

const agentBin = fileURLToPath(new URL('../../../apps/agent/bin/ferry-agent.js', import.meta.url));
export const remoteDelayMs = 5;

/**
 * ctx: { cp, kube, scratch, runs, n, repoUrl, objectsDir, progress }: the repository and directory
 * of the one-shot rows, called before their one-change runs move its head. Returns report rows.
 */
export async function runAgentRemoteRows({ cp, kube, scratch, runs, n, repoUrl, objectsDir, progress }) {
  const label = `agent ${n.toLocaleString('en')} objects, remote API server`;
  const proxy = await startLatencyProxy(cp.server, { delayMs: remoteDelayMs });
  const kubeconfig = await writeKubeconfigVia(cp.kubeconfigPath, proxy.url, join(scratch, `remote-kubeconfig-${n}`));
  const m = { agent: [], kubectl: [] };
  try {
    for (let i = 1; i <= runs; i++) {
      const ns = (side) => `bench-remote-${side}-${n}-${i}`;
      progress.step(label, 'first sync: setting up namespaces', i, runs);
      await createNamespace(kube, cp.kubeconfigPath, ns('agent'));
      await createNamespace(kube, cp.kubeconfigPath, ns('kubectl'));
      for (const side of i % 2 ? ['agent', 'kubectl'] : ['kubectl', 'agent']) {
        progress.step(label, side === 'agent' ? 'ferry-agent first sync through the proxy' : 'kubectl apply --server-side through the proxy', i, runs);
        const before = await kube.requestCounts();
        const connectionsBefore = proxy.connections;
        const r = side === 'agent'
          ? await timedOk(agentBin, ['sync', '--once', '--url', repoUrl, '--path', 'objects', '--namespace', ns('agent'), '--state-namespace', ns('agent'),
            '--name', 'bench', '--kubeconfig', kubeconfig, '--cache-dir', join(scratch, `remote-cache-${n}-${i}`), '--json', '--health-timeout', '60s'])
          : await timedOk(kubectlPath(), ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--field-manager=bench-kubectl', '-n', ns('kubectl'), '-f', objectsDir]);
        const writes = diffCounts(await kube.requestCounts(), before).writes;
        m[side].push({ seconds: r.seconds, writes, connections: proxy.connections - connectionsBefore, ...(side === 'agent' ? { outcome: JSON.parse(r.stdout).syncs[0].outcome } : {}) });
      }
      progress.step(label, 'first sync: deleting the run\'s namespaces', i, runs);
      await deleteNamespace(kube, cp.kubeconfigPath, ns('agent'));
      await deleteNamespace(kube, cp.kubeconfigPath, ns('kubectl'));
    }
  } finally {
    await proxy.close();
  }
  const bad = m.agent.find((x) => x.outcome !== 'Applied');
  if (bad) throw new Error(`${label}: agent outcome ${bad.outcome}`);
  const f = (list, key) => list.map((x) => x[key]);
  const size = `${n.toLocaleString('en')} objects`;
  const kubectlName = `kubectl apply --server-side, same proxy`;
  const scenario = `agent first sync, remote API server (+${remoteDelayMs} ms each way)`;
  progress.log(`${label}: ferry ${f(m.agent, 'seconds').join(', ')} s over ${f(m.agent, 'connections')} connections; kubectl ${f(m.kubectl, 'seconds').join(', ')} s over ${f(m.kubectl, 'connections')}`);
  return [
    { scenario, size, metric: 'wall time', unit: 's', ferry: f(m.agent, 'seconds'), baselineName: kubectlName, baseline: f(m.kubectl, 'seconds') },
    { scenario, size, metric: 'write requests', unit: 'count', ferry: f(m.agent, 'writes'), baselineName: kubectlName, baseline: f(m.kubectl, 'writes') },
    { scenario, size, metric: 'TCP connections opened', unit: 'count', ferry: f(m.agent, 'connections'), baselineName: kubectlName, baseline: f(m.kubectl, 'connections') },
  ];
}
