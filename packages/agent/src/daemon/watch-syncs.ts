/**
 * Keeps an up-to-date view of the Sync objects: LIST, then WATCH from the list's resourceVersion;
 * a dropped watch resumes from the last version seen, an expired one (410 Gone) lists again, errors
 * back off (1 s doubling to 30 s). The whole set is replaced on each LIST, so deletes missed while
 * disconnected are noticed.
 */
import { KubeApiError } from '../adapters/kube-client.js';
import type { KubeObject } from '../plan/kube-object.js';
import { abortableDelay } from './abortable-delay.js';
import type { KubeHttp, WatchEvent } from './kube-http.js';

export interface SyncWatchHandlers {
  /** The complete current set (after each LIST). */
  replaceAll(objects: KubeObject[]): void;
  upsert(object: KubeObject): void;
  remove(object: KubeObject): void;
  onError(error: unknown): void;
}

export async function watchSyncs(http: KubeHttp, namespace: string | undefined, signal: AbortSignal, handlers: SyncWatchHandlers): Promise<void> {
  const base = `/apis/ferry.dev/v1alpha1${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/syncs`;
  let resourceVersion: string | undefined;
  let failures = 0;
  while (!signal.aborted) {
    try {
      if (resourceVersion === undefined) {
        const list = await http.request<{ items: KubeObject[]; metadata: { resourceVersion: string } }>('GET', base);
        handlers.replaceAll(list.items.map((item) => ({ ...item, apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync' })));
        resourceVersion = list.metadata.resourceVersion;
      }
      let expired = false;
      const opened = Date.now();
      const query = new URLSearchParams({ watch: '1', resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: '300' });
      await http.watch(`${base}?${query}`, signal, (event: WatchEvent) => {
        if (event.type === 'ERROR') {
          expired = true;
          return;
        }
        const object = event.object as unknown as KubeObject;
        if (object.metadata?.resourceVersion) resourceVersion = object.metadata.resourceVersion as string;
        if (event.type === 'ADDED' || event.type === 'MODIFIED') handlers.upsert({ ...object, apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync' });
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
