// A minimal HTTPS client of the test control plane (admin client certificate from its kubeconfig)
// for what the benchmark observes from outside: the API server's own request counters and a watch
// that timestamps when a change lands. Kept out of the measured processes' way: one connection.
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { onLines } from './processes.mjs';

/** The API server's URL and the admin client certificate of the test control plane's kubeconfig. */
export async function readAdminKubeconfig(kubeconfigPath) {
  const config = JSON.parse(await readFile(kubeconfigPath, 'utf8'));
  const cluster = config.clusters[0].cluster;
  const user = config.users[0].user;
  return {
    base: new URL(cluster.server),
    tls: {
      ca: Buffer.from(cluster['certificate-authority-data'], 'base64'),
      cert: Buffer.from(user['client-certificate-data'], 'base64'),
      key: Buffer.from(user['client-key-data'], 'base64'),
    },
  };
}

export async function connectKube(kubeconfigPath) {
  const { base, tls } = await readAdminKubeconfig(kubeconfigPath);
  const open = (method, path, onResponse, body) => {
    const req = request({ host: base.hostname, port: base.port, path, method, ...tls, headers: body ? { 'content-type': 'application/json' } : {} }, onResponse);
    return req;
  };
  const call = (method, path, body) => new Promise((resolve, reject) => {
    const req = open(method, path, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    }, body);
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
  return {
    call,
    async getJson(path) {
      const r = await call('GET', path);
      if (r.status === 404) return undefined;
      if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.text.slice(0, 500)}`);
      return JSON.parse(r.text);
    },
    /** Write and dry-run request totals the API server itself counted (apiserver_request_total). */
    async requestCounts() {
      const r = await call('GET', '/metrics');
      if (r.status !== 200) throw new Error(`GET /metrics: ${r.status}`);
      return parseRequestCounts(r.text);
    },
    /** Watches one object from its current resourceVersion; see ObjectWatch below. */
    watchObject: (collectionPath, name) => watchObject(open, call, collectionPath, name),
  };
}

const writeVerbs = new Set(['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE', 'DELETECOLLECTION', 'CREATE', 'UPDATE']);
// The API server's own heartbeats (its identity Lease, the `kubernetes` Service endpoints, renewed
// every 10 s); neither side of a comparison writes these, so they are left out of the counts.
const heartbeatResources = new Set(['leases', 'endpoints', 'endpointslices']);

/** Sums apiserver_request_total by kind of request: real writes, dry-run writes, reads. */
export function parseRequestCounts(metricsText) {
  const counts = { writes: 0, dryRuns: 0, reads: 0, writesByResource: {} };
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!writeVerbs.has(labels.verb)) counts.reads += value;
    else if (heartbeatResources.has(labels.resource)) continue;
    else if (labels.dry_run) counts.dryRuns += value;
    else {
      counts.writes += value;
      const key = labels.resource + (labels.subresource ? `/${labels.subresource}` : '');
      counts.writesByResource[key] = (counts.writesByResource[key] ?? 0) + value;
    }
  }
  return counts;
}

export function diffCounts(after, before) {
  const byResource = {};
  for (const [k, v] of Object.entries(after.writesByResource)) {
    const d = v - (before.writesByResource[k] ?? 0);
    if (d) byResource[k] = d;
  }
  return { writes: after.writes - before.writes, dryRuns: after.dryRuns - before.dryRuns, reads: after.reads - before.reads, writesByResource: byResource };
}

/**
 * A watch on one named object that records, for every event, the monotonic time it arrived.
 * `until(predicate, timeoutMs)` resolves with the arrival time (hrtime ns) of the first object
 * (current or later) that satisfies the predicate.
 */
async function watchObject(open, call, collectionPath, name) {
  const current = await call('GET', `${collectionPath}/${name}`);
  if (current.status !== 200) throw new Error(`GET ${collectionPath}/${name}: ${current.status}`);
  const first = JSON.parse(current.text);
  const seen = [{ at: process.hrtime.bigint(), object: first }];
  const waiters = new Set();
  const check = () => {
    for (const w of waiters) {
      const hit = seen.find((e) => w.predicate(e.object));
      if (hit) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(hit.at);
      }
    }
  };
  const path = `${collectionPath}?watch=1&fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}&resourceVersion=${first.metadata.resourceVersion}`;
  const req = open('GET', path, (res) => {
    onLines(res, (line, at) => {
      if (!line.trim()) return;
      const event = JSON.parse(line);
      if (event.type === 'ADDED' || event.type === 'MODIFIED') seen.push({ at, object: event.object });
    });
    // After the chunk's lines (listeners run in the order they were added).
    res.on('data', check);
  });
  req.on('error', () => {});
  req.end();
  return {
    until(predicate, timeoutMs) {
      return new Promise((resolve, reject) => {
        const w = { predicate, resolve };
        w.timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`no matching ${name} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(w);
        check();
      });
    },
    close: () => req.destroy(),
  };
}
