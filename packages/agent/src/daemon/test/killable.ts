// Test support: the real Kubernetes clients with two test controls interposed - a gate that holds
// one write mid-apply, and `kill()`, after which every call fails the way a dead process's would
// (it can write nothing more). Not a mock: every call that passes goes to the real API server.
import type { KubeObject } from '../../plan/kube-object.js';
import type { KubeApi, KubeWatchApi } from '../../ports.js';

export interface Killable {
  kill(): void;
  /** Resolves when a (non-dry-run) apply of an object named `name` arrived and is being held. */
  held: Promise<void>;
  release(): void;
}

export function killableKube(real: KubeApi, holdName?: string): KubeApi & Killable {
  let dead = false;
  let release!: () => void;
  let arrived!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const held = new Promise<void>((resolve) => (arrived = resolve));
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    if (dead) throw new Error('killed: this process is gone');
    const result = await call();
    if (dead) throw new Error('killed: this process is gone');
    return result;
  };
  return {
    kill: () => {
      dead = true;
      release();
    },
    held,
    release: () => release(),
    scopeOf: (v, k) => guard(() => real.scopeOf(v, k)),
    apply: async (object: KubeObject, options?: { dryRun?: boolean }) => {
      if (!options?.dryRun && object.metadata.name === holdName) {
        arrived();
        await gate;
      }
      return guard(() => real.apply(object, options));
    },
    get: (ref) => guard(() => real.get(ref)),
    ...(real.getMetadata ? { getMetadata: (ref: Parameters<NonNullable<KubeApi['getMetadata']>>[0]) => guard(() => (real.getMetadata as NonNullable<KubeApi['getMetadata']>)(ref)) } : {}),
    list: (v, k, o) => guard(() => real.list(v, k, o)),
    delete: (ref) => guard(() => real.delete(ref)),
    mergePatch: (ref, patch, options) => guard(() => real.mergePatch(ref, patch, options)),
    forgetDiscovery: () => real.forgetDiscovery(),
  };
}

export function killableWatch(real: KubeWatchApi): KubeWatchApi & { kill(): void } {
  let dead = false;
  const watches = new Set<AbortController>();
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    if (dead) throw new Error('killed: this process is gone');
    return call();
  };
  return {
    kill: () => {
      dead = true;
      for (const w of watches) w.abort();
    },
    get: (ref) => guard(() => real.get(ref)),
    create: (object) => guard(() => real.create(object)),
    replace: (object) => guard(() => real.replace(object)),
    delete: (ref) => guard(() => real.delete(ref)),
    listForWatch: (apiVersion, kind, options) => guard(() => real.listForWatch(apiVersion, kind, options)),
    watch: async (apiVersion, kind, options, signal, onEvent) => {
      if (dead) throw new Error('killed: this process is gone');
      const own = new AbortController();
      watches.add(own);
      const onAbort = () => own.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await real.watch(apiVersion, kind, options, own.signal, (event) => {
          if (!dead) onEvent(event);
        });
        if (dead) throw new Error('killed: this process is gone');
      } finally {
        watches.delete(own);
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
}
