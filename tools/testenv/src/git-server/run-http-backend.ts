// Runs real `git http-backend` as a CGI for one HTTP request, streaming bodies both ways.
import { spawn, type ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface CutOptions {
  afterBytes: number;
  direction: 'response' | 'request';
  /** Called once, when the connection is actually cut. */
  onFire(): void;
}

export interface RunHttpBackendOptions {
  env: NodeJS.ProcessEnv;
  cut?: CutOptions | undefined;
  /** Register the child so the server can kill it on close. */
  track(child: ChildProcess): void;
  onStatus(status: number): void;
  /** Sees the first chunk of the request body as it goes to the backend (for the request log). */
  onBodyStart?(chunk: Buffer): void;
}

export async function runHttpBackend(req: IncomingMessage, res: ServerResponse, options: RunHttpBackendOptions): Promise<void> {
  // Its own process group: `git` forks git-http-backend, which forks receive-pack/upload-pack;
  // killing only `git` would leave those running (spinning) after a cut or a client abort.
  const child = spawn('git', ['http-backend'], { env: options.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  options.track(child);
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => resolve(code));
    child.on('error', () => resolve(-1));
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString();
  });
  child.stdin.on('error', () => undefined); // the backend may stop reading early (bad request, cut)
  res.on('close', () => {
    if (!res.writableFinished) killProcessGroup(child); // client went away: do not leave git running
  });

  if (options.onBodyStart) req.once('data', options.onBodyStart);
  const cut = options.cut;
  let cutDone = false;
  const cutNow = (): void => {
    cutDone = true;
    cut?.onFire();
    killProcessGroup(child);
    req.socket.destroy();
  };
  if (cut?.direction === 'request') {
    let seen = 0;
    let fired = false;
    req.on('data', (chunk: Buffer) => {
      if (fired) return;
      const room = cut.afterBytes - seen;
      seen += chunk.length;
      if (seen <= cut.afterBytes) {
        if (!child.stdin.write(chunk)) req.pause();
        return;
      }
      fired = true;
      child.stdin.write(chunk.subarray(0, room));
      cutNow();
    });
    child.stdin.on('drain', () => req.resume());
    req.on('end', () => child.stdin.end());
  } else {
    req.pipe(child.stdin);
  }

  let head: Buffer = Buffer.alloc(0);
  let headersSent = false;
  let sent = 0;
  for await (const data of child.stdout as AsyncIterable<Buffer>) {
    let chunk = data;
    if (!headersSent) {
      head = Buffer.concat([head, chunk]);
      const end = findHeaderEnd(head);
      if (end === undefined) continue;
      const { status, headers } = parseCgiHeaders(head.subarray(0, end.headerEnd).toString('latin1'));
      options.onStatus(status);
      res.writeHead(status, headers);
      headersSent = true;
      chunk = head.subarray(end.bodyStart);
    }
    if (cut?.direction === 'response' && sent + chunk.length > cut.afterBytes) {
      const part = chunk.subarray(0, cut.afterBytes - sent);
      // Flush the allowed bytes, then cut, so the client sees a truncated body rather than nothing.
      await new Promise<void>((resolve) => res.write(part, () => resolve()));
      cutNow();
      return;
    }
    sent += chunk.length;
    if (!res.write(chunk)) await drained(res);
    if (res.destroyed) return;
  }
  const code = await exited;
  if (cutDone || res.destroyed) return;
  if (!headersSent) {
    options.onStatus(502);
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`git http-backend exited ${code} without a response: ${stderr.trim()}\n`);
    return;
  }
  res.end();
}

/** Waits for room in the socket buffer, or for the client to go away; leaves no listener behind. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

function findHeaderEnd(buf: Buffer): { headerEnd: number; bodyStart: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headerEnd: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { headerEnd: lf, bodyStart: lf + 2 };
  return undefined;
}

/** Headers come back flat ([name, value, name, value...]), as `writeHead` takes them, so repeats survive. */
function parseCgiHeaders(text: string): { status: number; headers: string[] } {
  let status = 200;
  const headers: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers.push(name, value);
  }
  return { status, headers };
}

/** Kills the CGI and everything it started (it leads its own process group). */
export function killProcessGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}
