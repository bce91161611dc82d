/**
 * Keeps an up-to-date view of the Sync objects: LIST, then WATCH from the list's resourceVersion;
 * a dropped watch resumes from the last version seen, an expired one (410 Gone) lists again, errors
 * back off (1 s doubling to 30 s). The whole set is replaced on each LIST, so deletes missed while
 * disconnected are noticed.
 */
import type { KubeObject } from '../plan/kube-object.js';
import { KubeApiError, type KubeWatchApi, type WatchEvent } from '../ports.js';
import { SyncApiVersion, SyncKind } from '../sync/sync-spec.js';
import { abortableDelay } from './abortable-delay.js';

export interface SyncWatchHandlers {
  /** The complete current set (after each LIST). */
  replaceAll(objects: KubeObject[]): void;
  upsert(object: KubeObject): void;
  remove(object: KubeObject): void;
  onError(error: unknown): void;
}

/** `labelSelector`: only the Syncs it selects (a shard); one leaving the selection arrives as DELETED. */
export async function watchSyncs(kube: KubeWatchApi, namespace: string | undefined, signal: AbortSignal, handlers: SyncWatchHandlers, labelSelector?: string): Promise<void> {
  const scope = { ...(namespace ? { namespace } : {}), ...(labelSelector ? { labelSelector } : {}) };
  let resourceVersion: string | undefined;
  let failures = 0;
  while (!signal.aborted) {
    try {
      if (resourceVersion === undefined) {
        const list = await kube.listForWatch(SyncApiVersion, SyncKind, scope);
        handlers.replaceAll(list.items.map((item) => ({ ...item, apiVersion: SyncApiVersion, kind: SyncKind })));
        resourceVersion = list.resourceVersion;
      }
      let expired = false;
      const opened = Date.now();
      await kube.watch(SyncApiVersion, SyncKind, { ...scope, resourceVersion, timeoutSeconds: 300 }, signal, (event: WatchEvent) => {
        if (event.type === 'ERROR') {
          expired = true;
          return;
        }
        const object = event.object as unknown as KubeObject;
        if (object.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion as string;
        if (event.type === 'ADDED' || event.type === 'MODIFIED') handlers.upsert({ ...object, apiVersion: SyncApiVersion, kind: SyncKind });
        else if (event.type === 'DELETED') handlers.remove(object);
      });
      if (expired) resourceVersion = undefined;
      // A watch the server ends at once, again and again, must not become a busy loop.
      if (Date.now() - opened < 1_000) await abortableDelay(1_000, signal);
      failures = 0;
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof KubeApiError && error.statusCode === 410) resourceVersion = undefined;
      else {
        handlers.onError(error);
        resourceVersion = undefined;
        failures++;
        await abortableDelay(Math.min(30_000, 1_000 * 2 ** Math.min(failures - 1, 5)), signal);
      }
    }
  }
}
