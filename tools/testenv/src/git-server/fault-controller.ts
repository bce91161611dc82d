// Faults a test switches on and off to see how a git client copes with a misbehaving server.
export type GitService = 'upload-pack' | 'receive-pack';
/** `advertise` is `GET info/refs?service=...`; `rpc` is the `POST /git-<service>` that carries packs. */
export type GitStage = 'advertise' | 'rpc';

export type FaultSpec =
  /** Wait `ms` before answering each matching request. */
  | { kind: 'latency'; ms: number }
  /** Answer each matching request with this HTTP status (5xx, 429...) instead of running git. */
  | { kind: 'status'; status: number; message?: string }
  /**
   * Destroy the socket after `afterBytes` bytes of a matching rpc (pack-carrying POST):
   * of the response (default; a fetch's pack) or of the request body (a push's pack).
   * Armed on every matching rpc; it counts a hit only when it fires.
   */
  | { kind: 'cut'; afterBytes: number; direction?: 'response' | 'request' }
  /** Run receive-pack with a pre-receive hook that prints `message` and exits 1 (real git rejection). */
  | { kind: 'reject-push'; message?: string }
  /** Close the connection without any answer, as a server that has gone away. */
  | { kind: 'down' };

export type FaultKind = FaultSpec['kind'];

export interface FaultScope {
  /** 'owner/name'; every repo when absent. */
  repo?: string;
  service?: GitService;
  stage?: GitStage;
  /** Switch off by itself after this many hits; stays on until `off()` when absent. */
  times?: number;
}

export type FaultOptions = FaultSpec & FaultScope;

export interface Fault {
  readonly id: number;
  readonly options: FaultOptions;
  /** How many requests this fault has acted on. */
  readonly hits: number;
  readonly active: boolean;
  off(): void;
}

export interface FaultController {
  inject(options: FaultOptions): Fault;
  /** Switch every fault off. */
  clear(): void;
  list(): Fault[];
}

export interface FaultTarget {
  repo: string;
  service: GitService | undefined;
  stage: GitStage;
}

/** Server side of the controller: finds the fault for a request and records its hits. */
export interface FaultMatcher {
  find<K extends FaultKind>(kind: K, target: FaultTarget): { fault: Fault; spec: Extract<FaultSpec, { kind: K }> } | undefined;
  hit(fault: Fault): void;
}

interface FaultState extends Fault {
  hits: number;
  active: boolean;
}

export function createFaultController(): FaultController & FaultMatcher {
  let nextId = 1;
  let faults: FaultState[] = [];

  const validate = (options: FaultOptions): void => {
    const bad = (what: string) => new Error(`git-server fault ${options.kind}: ${what}`);
    if (options.times !== undefined && !(Number.isInteger(options.times) && options.times > 0)) throw bad(`times must be a positive integer, got ${options.times}`);
    if (options.kind === 'latency' && !(options.ms >= 0)) throw bad(`ms must be >= 0, got ${options.ms}`);
    if (options.kind === 'status' && !(options.status >= 400 && options.status <= 599)) throw bad(`status must be 400-599, got ${options.status}`);
    if (options.kind === 'cut' && !(Number.isInteger(options.afterBytes) && options.afterBytes >= 0)) throw bad(`afterBytes must be an integer >= 0, got ${options.afterBytes}`);
  };

  return {
    inject(options) {
      validate(options);
      const fault: FaultState = {
        id: nextId++,
        options: { ...options },
        hits: 0,
        active: true,
        off() {
          fault.active = false;
          faults = faults.filter((f) => f !== fault);
        },
      };
      faults.push(fault);
      return fault;
    },
    clear() {
      for (const fault of [...faults]) fault.off();
    },
    list() {
      return [...faults];
    },
    find(kind, target) {
      const found = faults.find((f) => {
        const o = f.options;
        if (o.kind !== kind) return false;
        if (o.repo !== undefined && o.repo !== target.repo) return false;
        if (o.service !== undefined && o.service !== target.service) return false;
        if (o.stage !== undefined && o.stage !== target.stage) return false;
        return true;
      });
      return found === undefined ? undefined : { fault: found, spec: found.options as Extract<FaultSpec, { kind: typeof kind }> };
    },
    hit(fault) {
      const state = faults.find((f) => f === fault);
      if (state === undefined) return;
      state.hits += 1;
      if (state.options.times !== undefined && state.hits >= state.options.times) state.off();
    },
  };
}
