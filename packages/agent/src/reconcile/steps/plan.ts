import { describeObject, formatObjectKey, type ObjectRef } from '../../plan/kube-object.js';
import { checkPruneGuards, findPruneCandidates } from '../../plan/plan-prune.js';
import { prepareObjects } from '../prepare-objects.js';
import { needs, type ReconcileStep } from '../reconcile-run.js';

/**
 * Objects ready to apply (namespaces, owner labels, kinds known), and what the inventory has that
 * the revision no longer does. The prune guards refuse an empty revision here, before any write.
 */
export const planStep: ReconcileStep = async (run) => {
  const { target: { spec, identity }, deps } = run;
  const inventory = needs(run.inventory, 'the inventory');
  const prepared = await prepareObjects(needs(run.rendered, 'the rendered objects'), identity, spec.namespace ?? identity.namespace, (v, k) => deps.kube.scopeOf(v, k));
  const desired = prepared.map((p) => p.ref);
  // A lost inventory (deleted by hand; or this Sync's first run): find what still carries this
  // Sync's owner labels, so nothing it applied is silently forgotten. What the revision no longer
  // has is kept this time and recorded: nothing is deleted on a guessed inventory.
  let recoveredKept: ObjectRef[] = [];
  if (run.recovery) {
    const namespaces = [identity.namespace, spec.namespace ?? identity.namespace, ...desired.map((r) => r.namespace)].filter((n) => n !== '');
    const recovered = await run.recovery.finish(namespaces);
    if (recovered.refs.length) {
      inventory.useRecovered(recovered.refs);
      recoveredKept = findPruneCandidates(recovered.refs, desired);
    }
  }
  checkPruneGuards(inventory.state.inventory, desired, spec);
  const kept = new Set(recoveredKept.map(formatObjectKey));
  const candidates = spec.prune ? findPruneCandidates(inventory.state.inventory, desired).filter((ref) => !kept.has(formatObjectKey(ref))) : [];
  const recoveredSkips = recoveredKept.map((ref) => ({ ref, action: 'block' as const, reason: `${describeObject(ref)} carries this Sync's owner labels but the inventory was missing: kept and recorded; a later revision without it prunes it` }));
  run.plan = { prepared, desired, candidates, recoveredSkips };
};
