import { applyOrderTier } from '@ferry/manifest-model';
import type { ObjectRef } from './kube-object.js';
import { groupOf } from './kube-object.js';

/**
 * Apply stages, in order. Inside a stage objects go in manifest-model's kind order; between stages
 * the agent waits: CRDs must be Established before their custom resources can even be validated
 * (Argo CD's "no matches for kind" failures come from skipping this), Namespaces must exist before
 * namespaced objects. Admission webhooks come last so a webhook whose backend is not yet running
 * cannot block the rest of the revision. Deletes run in the reverse order.
 */
export const ApplyStage = {
  Definitions: 0,
  Workloads: 1,
  Webhooks: 2,
} as const;
export type ApplyStage = (typeof ApplyStage)[keyof typeof ApplyStage];

const definitionKinds = new Set(['apiextensions.k8s.io/CustomResourceDefinition', '/Namespace']);
const webhookKinds = new Set([
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy',
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
]);

export function stageOf(ref: Pick<ObjectRef, 'apiVersion' | 'kind'>): ApplyStage {
  const key = `${groupOf(ref.apiVersion)}/${ref.kind}`;
  if (definitionKinds.has(key)) return ApplyStage.Definitions;
  if (webhookKinds.has(key)) return ApplyStage.Webhooks;
  return ApplyStage.Workloads;
}

/** Sorts for apply: by stage, then kind tier, then kind, namespace and name for a stable, readable order. */
export function compareForApply(a: ObjectRef, b: ObjectRef): number {
  return (
    stageOf(a) - stageOf(b) ||
    applyOrderTier(a.kind) - applyOrderTier(b.kind) ||
    a.kind.localeCompare(b.kind) ||
    a.namespace.localeCompare(b.namespace) ||
    a.name.localeCompare(b.name)
  );
}

/** Deletes run in exactly the reverse of apply order: webhooks first, Namespaces and CRDs last. */
export function compareForDelete(a: ObjectRef, b: ObjectRef): number {
  return compareForApply(b, a);
}

/** Groups items into apply stages, each sorted; empty stages are left out. */
export function groupByStage<T>(items: readonly T[], refOf: (item: T) => ObjectRef): T[][] {
  const stages = new Map<ApplyStage, T[]>();
  for (const item of items) {
    const stage = stageOf(refOf(item));
    const list = stages.get(stage) ?? [];
    list.push(item);
    stages.set(stage, list);
  }
  return [...stages.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, list]) => list.sort((x, y) => compareForApply(refOf(x), refOf(y))));
}
