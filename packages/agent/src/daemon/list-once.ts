import type { KubeObject } from '../plan/kube-object.js';
import type { KubeApi } from '../ports.js';

/**
 * One reconcile's API client in which a LIST asked again with the same arguments, and with no write
 * through this client in between, is answered by the first one's response once. The daemon takes
 * over kubectl-edited fields (take-ownership.ts) from one LIST of a Sync's objects by its owner
 * selector, and the apply step lists the very same objects right after: one LIST per drift check
 * instead of two. The second caller sees the objects as of the first LIST (taken before the
 * fetch and the render), as if an edit made since had come right after its own LIST: the next drift
 * check finds it. Any write (apply that is not a dry run, merge patch, delete) forgets every
 * kept answer, and an answer is handed out a second time only once, so a caller that polls with
 * LISTs still sees the server from its third LIST on. Make one per reconcile.
 */
export function listOnce(kube: KubeApi): KubeApi {
  const kept = new Map<string, Promise<KubeObject[]>>();
  const writing = <T>(write: () => Promise<T>): Promise<T> => {
    kept.clear();
    return write().finally(() => kept.clear());
  };
  return {
    scopeOf: (apiVersion, kind) => kube.scopeOf(apiVersion, kind),
    apply: (object, options) => (options?.dryRun ? kube.apply(object, options) : writing(() => kube.apply(object, options))),
    get: (ref) => kube.get(ref),
    ...(kube.getMetadata ? { getMetadata: kube.getMetadata.bind(kube) } : {}),
    async list(apiVersion, kind, options) {
      const key = JSON.stringify([apiVersion, kind, options?.namespace ?? '', options?.labelSelector ?? '']);
      const earlier = kept.get(key);
      if (earlier) {
        kept.delete(key);
        return [...(await earlier)];
      }
      const listing = kube.list(apiVersion, kind, options);
      kept.set(key, listing);
      listing.catch(() => {
        if (kept.get(key) === listing) kept.delete(key);
      });
      return [...(await listing)];
    },
    delete: (ref) => writing(() => kube.delete(ref)),
    mergePatch: (ref, patch, options) => writing(() => kube.mergePatch(ref, patch, options)),
    forgetDiscovery: () => kube.forgetDiscovery(),
    ...(kube.discoverKinds ? { discoverKinds: kube.discoverKinds.bind(kube) } : {}),
    ...(kube.serverCapabilities ? { serverCapabilities: kube.serverCapabilities.bind(kube) } : {}),
    ...(kube.asServiceAccount ? { asServiceAccount: kube.asServiceAccount.bind(kube) } : {}),
  };
}
