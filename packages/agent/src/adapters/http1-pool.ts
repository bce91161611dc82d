import type { Socket } from 'node:net';

/**
 * A small HTTP/1.1 client for short request/response exchanges over kept-alive connections: the
 * agent's requests to the API server (watches, which stream for minutes, stay on node:http).
 *
 * Why not node:http: its per-request machinery (ClientRequest, IncomingMessage streams, the Agent's
 * bookkeeping, events) cost about 0.18 ms of CPU per request on top of TLS and JSON, which in a
 * first sync of 1,000 objects (2,000 requests, both cores busy with the API server and etcd) was a
 * quarter of a second of wall time. undici was measured too and cost no less here.
 *
 * Scope, and nothing more: one request at a time per connection (no pipelining), a request body
 * sent with its Content-Length, responses framed by Content-Length, chunked encoding or the end of
 * the connection; 1xx responses skipped. A connection is reused unless the response says close.
 */
export interface Http1Response {
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

export interface Http1PoolOptions {
  /** Opens a connection (net.connect or tls.connect); errors surface as the pending request's. */
  connect: () => Socket;
  /** The Host header. */
  host: string;
  /** At most this many connections (and requests in flight); further requests wait in order. */
  maxConnections: number;
  /** An idle connection is closed after this long, before a server or load balancer drops it (default 60 s; Go's client: 90 s). */
  idleTimeoutMs?: number;
}

export class Http1Error extends Error {}

interface Pending {
  head: string;
  body: Buffer | undefined;
  /** HEAD responses have no body whatever their headers say. */
  bodiless: boolean;
  resolve: (response: Http1Response) => void;
  reject: (error: Error) => void;
}

export class Http1Pool {
  readonly #idle: Connection[] = [];
  readonly #queue: Pending[] = [];
  readonly #open = new Set<Connection>();
  #closed = false;

  constructor(private readonly options: Http1PoolOptions) {}

  request(method: string, path: string, headers: Readonly<Record<string, string | readonly string[]>>, body?: string | Buffer): Promise<Http1Response> {
    return new Promise((resolve, reject) => {
      if (this.#closed) throw new Http1Error('the connection pool is closed');
      const bytes = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
      let head = `${method} ${checked(path, 'path')} HTTP/1.1\r\nhost: ${checked(this.options.host, 'host')}\r\n`;
      for (const [name, value] of Object.entries(headers)) {
        for (const v of typeof value === 'string' ? [value] : value) head += `${checked(name, 'header name')}: ${checked(v, `${name} header`)}\r\n`;
      }
      // Always a length, never chunked: the API server answers a chunked DELETE body with 400.
      if (bytes !== undefined || method !== 'GET') head += `content-length: ${bytes?.length ?? 0}\r\n`;
      this.#queue.push({ head: `${head}\r\n`, body: bytes, bodiless: method === 'HEAD', resolve, reject });
      this.#dispatch();
    });
  }

  /** Closes every connection; requests in flight and waiting fail, later ones are refused. */
  close(): void {
    this.#closed = true;
    for (const pending of this.#queue.splice(0)) pending.reject(new Http1Error('the connection pool is closed'));
    for (const connection of this.#open) connection.destroy();
  }

  #dispatch(): void {
    while (this.#queue.length) {
      let connection = this.#idle.pop();
      if (!connection) {
        if (this.#open.size >= this.options.maxConnections) return;
        let socket: Socket;
        try {
          socket = this.options.connect();
        } catch (error) {
          (this.#queue.shift() as Pending).reject(error instanceof Error ? error : new Http1Error(String(error)));
          continue;
        }
        connection = new Connection(socket, this.options.idleTimeoutMs ?? 60_000, {
          free: (c) => this.#free(c),
          gone: (c) => this.#gone(c),
        });
        this.#open.add(connection);
      }
      connection.send(this.#queue.shift() as Pending);
    }
  }

  #free(connection: Connection): void {
    if (this.#closed) {
      connection.destroy();
      return;
    }
    this.#idle.push(connection);
    this.#dispatch();
  }

  #gone(connection: Connection): void {
    this.#open.delete(connection);
    const at = this.#idle.indexOf(connection);
    if (at >= 0) this.#idle.splice(at, 1);
    this.#dispatch();
  }
}

const maxHeadBytes = 64 * 1024;

/** Chunked framing: data bytes left of the current chunk, then its CRLF. */
interface Chunked {
  kind: 'chunked';
  remaining: number;
  crlf: boolean;
}

interface ResponseHead {
  status: number;
  headers: Record<string, string>;
  keepAlive: boolean;
}

/** One connection and the parse state of the response it is reading. */
class Connection {
  #pending: Pending | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  #response: ResponseHead | undefined;
  /** Bytes of body still to come (Content-Length), or how the body is framed otherwise. */
  #framing: { kind: 'length'; remaining: number } | Chunked | { kind: 'until-close' } | undefined;
  #body: Buffer[] = [];
  #gone = false;

  constructor(
    private readonly socket: Socket,
    private readonly idleTimeoutMs: number,
    private readonly pool: { free: (c: Connection) => void; gone: (c: Connection) => void },
  ) {
    socket.setNoDelay(true);
    // TCP keep-alive probes, as node:http's keep-alive agent sets: a peer gone silently (a load
    // balancer that drops idle connections) fails the next request instead of hanging it.
    socket.setKeepAlive(true, 1_000);
    socket.on('timeout', () => {
      if (!this.#pending) this.#end();
    });
    socket.on('data', (data: Buffer) => this.#onData(data));
    socket.on('error', (error) => this.#end(error));
    socket.on('close', () => this.#end());
    // The server's end of a body read until close; otherwise it is closing an idle connection.
    socket.on('end', () => this.#end());
  }

  send(pending: Pending): void {
    this.#pending = pending;
    // An idle connection must not keep the process alive; one in use must.
    this.socket.ref();
    this.socket.setTimeout(0);
    this.socket.write(pending.body ? Buffer.concat([Buffer.from(pending.head, 'latin1'), pending.body]) : pending.head);
  }

  destroy(): void {
    this.socket.destroy();
  }

  #onData(data: Buffer): void {
    if (!this.#pending) {
      this.#end(new Http1Error('the server sent data with no request pending'));
      return;
    }
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, data]) : data;
    try {
      while (this.#pending && this.#parse());
    } catch (error) {
      this.#end(error instanceof Error ? error : new Http1Error(String(error)));
    }
  }

  /** Parses what the buffer holds; true when it finished a part and may parse on. */
  #parse(): boolean {
    if (!this.#response) return this.#parseHead();
    const framing = this.#framing;
    if (framing?.kind === 'length') {
      framing.remaining -= this.#takeBody(framing.remaining);
      if (framing.remaining === 0) this.#finish();
      return framing.remaining === 0;
    }
    if (framing?.kind === 'chunked') return this.#parseChunk(framing);
    // Until close: everything is body; #end finishes it.
    this.#body.push(this.#buffer);
    this.#buffer = Buffer.alloc(0);
    return false;
  }

  #parseHead(): boolean {
    const end = this.#buffer.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.#buffer.length > maxHeadBytes) throw new Http1Error('the response headers are larger than 64 KiB');
      return false;
    }
    const lines = this.#buffer.toString('latin1', 0, end).split('\r\n');
    this.#buffer = this.#buffer.subarray(end + 4);
    const statusLine = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
    if (!statusLine) throw new Http1Error(`not an HTTP/1.x response: ${JSON.stringify((lines[0] ?? '').slice(0, 40))}`);
    const status = Number(statusLine[2]);
    // 100 Continue and other interim responses: the real one follows.
    if (status < 200) return true;
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Http1Error(`malformed response header line: ${JSON.stringify(line.slice(0, 40))}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const connection = (headers.connection ?? '').toLowerCase();
    const keepAlive = statusLine[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    this.#response = { status, headers, keepAlive };
    const pending = this.#pending as Pending;
    if (pending.bodiless || status === 204 || status === 304) this.#framing = { kind: 'length', remaining: 0 };
    else if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) this.#framing = { kind: 'chunked', remaining: 0, crlf: false };
    else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (!Number.isSafeInteger(length) || length < 0) throw new Http1Error(`invalid Content-Length ${JSON.stringify(headers['content-length'])}`);
      this.#framing = { kind: 'length', remaining: length };
    } else this.#framing = { kind: 'until-close' };
    if (this.#framing.kind === 'length' && this.#framing.remaining === 0) this.#finish();
    return true;
  }

  /**
   * A chunk's size line, or as much of its data as has come (a large chunk arrives in many reads
   * and is taken as it comes, never copied again), or the last chunk and its trailers.
   */
  #parseChunk(framing: Chunked): boolean {
    if (framing.remaining > 0) {
      const taken = this.#takeBody(framing.remaining);
      if (taken === 0) return false;
      framing.remaining -= taken;
      framing.crlf = framing.remaining === 0;
      return framing.crlf;
    }
    if (framing.crlf) {
      if (this.#buffer.length < 2) return false;
      if (this.#buffer[0] !== 13 || this.#buffer[1] !== 10) throw new Http1Error('a chunk does not end with CRLF');
      this.#buffer = this.#buffer.subarray(2);
      framing.crlf = false;
    }
    const lineEnd = this.#buffer.indexOf('\r\n');
    if (lineEnd < 0) return false;
    const sizeText = this.#buffer.toString('latin1', 0, lineEnd).split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-f]{1,12}$/i.test(sizeText)) throw new Http1Error(`invalid chunk size ${JSON.stringify(sizeText.slice(0, 20))}`);
    const size = parseInt(sizeText, 16);
    if (size > 0) {
      this.#buffer = this.#buffer.subarray(lineEnd + 2);
      framing.remaining = size;
      return true;
    }
    // The last chunk: trailers (ignored) end with an empty line.
    const rest = this.#buffer.subarray(lineEnd + 2);
    const end = rest[0] === 13 && rest[1] === 10 ? 0 : rest.indexOf('\r\n\r\n');
    if (end < 0) return false;
    this.#buffer = rest.subarray(end === 0 ? 2 : end + 4);
    this.#finish();
    return true;
  }

  /** Moves up to `most` buffered bytes into the body (without copying them); returns how many. */
  #takeBody(most: number): number {
    const taken = Math.min(most, this.#buffer.length);
    if (taken === 0) return 0;
    this.#body.push(this.#buffer.subarray(0, taken));
    this.#buffer = this.#buffer.subarray(taken);
    return taken;
  }

  /** Hands the response over; the connection goes back to the pool unless it cannot carry another. */
  #finish(): void {
    const pending = this.#pending as Pending;
    const { status, headers, keepAlive } = this.#response as ResponseHead;
    const body = this.#body.length === 1 ? (this.#body[0] as Buffer) : Buffer.concat(this.#body);
    const reusable = keepAlive && this.#framing?.kind !== 'until-close';
    this.#pending = undefined;
    this.#response = undefined;
    this.#framing = undefined;
    this.#body = [];
    pending.resolve({ status, headers, body });
    // Bytes beyond the response answer no request: the connection is out of step; drop it.
    if (!reusable || this.#buffer.length) {
      this.#end();
      return;
    }
    this.socket.unref();
    this.socket.setTimeout(this.idleTimeoutMs);
    this.pool.free(this);
  }

  /** The connection ended (closed, failed, or not reusable): settle what is pending and leave the pool. */
  #end(error?: Error): void {
    if (this.#gone) return;
    this.#gone = true;
    // A body framed by the end of the connection is complete now.
    if (!error && this.#pending && this.#framing?.kind === 'until-close') this.#finish();
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error ?? new Http1Error('the server closed the connection before the response ended'));
    this.socket.destroy();
    this.pool.gone(this);
  }
}

/**
 * Refuses CR, LF and NUL in what goes into the request head (header injection). The message names
 * the part, never its value: an authorization header carries a token.
 */
function checked(text: string, what: string): string {
  if (/[\r\n\0]/.test(text)) throw new Http1Error(`the request's ${what} contains a line break or NUL`);
  return text;
}
