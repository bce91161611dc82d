// A TCP proxy that adds a fixed delay to every byte in each direction, for the "remote API server"
// rows: the loopback control plane then answers like one a few milliseconds away (5 ms each way =
// 10 ms more per round trip, as between a CI runner or a management cluster and a cloud API server).
// TLS passes through untouched (the proxy sees only bytes), so the API server's certificate still
// matches 127.0.0.1 and the client certificate still authenticates.
import { createServer, connect } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';

/**
 * Forwards `from` to `to`, each chunk released `delayMs` after it arrived, in order. Back-pressure
 * is kept: a paused destination pauses the source.
 */
function delayedPipe(from, to, delayMs) {
  const queue = [];
  let timer;
  const release = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length && queue[0].at <= now) {
      const { chunk, end } = queue.shift();
      if (end) to.end();
      else if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    }
    if (queue.length) timer = setTimeout(release, Math.max(0, queue[0].at - performance.now()));
  };
  const push = (item) => {
    queue.push({ ...item, at: performance.now() + delayMs });
    timer ??= setTimeout(release, delayMs);
  };
  from.on('data', (chunk) => push({ chunk }));
  from.on('end', () => push({ end: true }));
}

/**
 * Starts the proxy on 127.0.0.1 (a free port) in front of `target` (`https://host:port`).
 * Returns { url, connections, close }; `connections` counts the TCP connections clients opened.
 */
export async function startLatencyProxy(target, { delayMs = 5 } = {}) {
  const upstream = new URL(target);
  const sockets = new Set();
  let connections = 0;
  const server = createServer({ noDelay: true }, (client) => {
    connections++;
    const server = connect({ host: upstream.hostname, port: Number(upstream.port), noDelay: true });
    for (const s of [client, server]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        server.destroy();
      });
    }
    delayedPipe(client, server, delayMs);
    delayedPipe(server, client, delayMs);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `https://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes a copy of a kubeconfig (JSON, as the test control plane writes it) whose server is `serverUrl`. */
export async function writeKubeconfigVia(kubeconfigPath, serverUrl, outPath) {
  const config = JSON.parse(await readFile(kubeconfigPath, 'utf8'));
  for (const c of config.clusters) c.cluster.server = serverUrl;
  await writeFile(outPath, JSON.stringify(config), { mode: 0o600 });
  return outPath;
}
