import { FerryError } from '@ferry/manifest-model';
import type { ReconcileDeps } from './reconcile-run.js';
import type { SyncTarget } from './sync-report.js';

/** The ServiceAccount a Sync object's objects are read and written as; undefined: the agent's own identity. */
export function serviceAccountOf(target: Pick<SyncTarget, 'spec' | 'fromObject'>, defaultServiceAccount?: string): string | undefined {
  if (!target.fromObject) return undefined;
  return target.spec.serviceAccountName ?? defaultServiceAccount;
}

/**
 * The deps one Sync is reconciled with: every read, dry-run, write and prune of its objects as its
 * ServiceAccount (spec.serviceAccountName, else the agent's `--default-service-account`), in the
 * Sync's namespace; its inventory ConfigMap and status as the agent (`stateKube`), so a tenant needs
 * no rights on either, and cannot forge another Sync's inventory through its own.
 * Flag-mode sources (no Sync object) run as whoever runs the command.
 */
export function runAs(deps: ReconcileDeps, target: Pick<SyncTarget, 'spec' | 'fromObject' | 'identity'>, defaultServiceAccount?: string): ReconcileDeps {
  const account = serviceAccountOf(target, defaultServiceAccount);
  if (account === undefined) return deps;
  const asServiceAccount = deps.kube.asServiceAccount?.bind(deps.kube);
  if (!asServiceAccount) {
    throw new FerryError('sync.service-account', `Sync ${target.identity.namespace}/${target.identity.name} runs as ServiceAccount ${account}, but this Kubernetes client cannot impersonate; nothing was applied`);
  }
  return { ...deps, kube: asServiceAccount(target.identity.namespace, account), stateKube: deps.stateKube ?? deps.kube };
}
