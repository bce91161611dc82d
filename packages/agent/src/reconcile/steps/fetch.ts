import { checkInventoryOwner, sameSource } from '../../plan/inventory.js';
import { AdoptInventoryAnnotation } from '../../sync/labels.js';
import { checkInventoryWritable, describeInventory, loadSyncMarker, loadSyncState } from '../inventory-store.js';
import { InventoryWriter } from '../inventory-writer.js';
import { startRecovery } from '../recover-inventory.js';
import { stateKubeOf, type ReconcileRun, type ReconcileStep } from '../reconcile-run.js';

/**
 * Asks the remote for its head first and stops when that head is applied and healthy with this
 * spec (one ls-refs and one metadata GET). Otherwise claims the inventory (whose it is, whether it
 * can be written: both before the first write), says the revision is applying, fetches the commit.
 * An empty inventory (a lost one; or this Sync's first run) starts the plan's search for what still
 * carries this Sync's owner labels once the commit is here: it runs beside the render. Not before
 * the fetch: a Sync whose fetch keeps failing would send its LISTs on every retry.
 */
export const fetchStep: ReconcileStep = async (run) => {
  const { target, deps, options, report } = run;
  const { spec } = target;
  const head = await deps.source.resolveRemote(spec.url, spec.ref, target.credentials);
  run.head = head;
  report.revision = head;
  if (await isUnchanged(run, head)) return 'done';
  await claimInventory(run);
  if (!options.dryRun) await deps.reporter?.applying(target, head);
  await deps.source.fetchCommit(spec.url, spec.ref, head, target.credentials);
  if (spec.prune && run.inventory?.state.inventory.length === 0) run.recovery = startRecovery(deps.kube, target.identity, run.concurrency);
};

async function isUnchanged(run: ReconcileRun, head: string): Promise<boolean> {
  const { target, options, report } = run;
  const generationSeen = target.generation === undefined || target.status?.observedGeneration === target.generation;
  if (options.force || options.dryRun || !generationSeen) return false;
  const marker = await loadSyncMarker(stateKubeOf(run.deps), target.identity);
  if (!(marker.healthy && marker.lastAppliedRevision === head && marker.specHash === run.specHash && marker.source && sameSource(marker.source, run.source))) return false;
  report.inventorySize = marker.inventorySize ?? report.inventorySize;
  run.unchanged = true;
  return true;
}

async function claimInventory(run: ReconcileRun): Promise<void> {
  const { target, deps } = run;
  const { identity } = target;
  const kube = stateKubeOf(deps);
  const state = run.options.state ?? await loadSyncState(kube, identity);
  checkInventoryOwner({
    exists: state.exists ?? true, recorded: state.source, current: run.source, inventory: describeInventory(identity), adopt: target.adoptInventory,
    // Applied, not attempted: a refusal records an attempt, and must not turn into consent next time.
    appliedBefore: Boolean(target.status?.lastAppliedRevision),
    howToAdopt: (id) => (target.fromObject
      ? `annotate the Sync: kubectl annotate sync ${identity.name} -n ${identity.namespace} ${AdoptInventoryAnnotation}=${id}`
      : `re-run with --adopt-inventory ${id}`),
  });
  if (!state.exists) await checkInventoryWritable(kube, identity);
  run.inventory = new InventoryWriter(kube, identity, run.source, state);
  run.report.inventorySize = state.inventory.length;
}
