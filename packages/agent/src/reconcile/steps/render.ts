import { readRegistryConfig } from '../../sync/registry-credentials.js';
import { needs, type ReconcileStep } from '../reconcile-run.js';

/** The commit's files at spec.path, rendered to objects by the renderer port. */
export const renderStep: ReconcileStep = async (run) => {
  const { target: { spec, identity, registryConfig: given }, deps } = run;
  const secretRef = spec.helm?.secretRef;
  const chart = spec.helm?.chart;
  const rendered = await deps.renderer.render({
    source: deps.source, url: spec.url, commit: needs(run.head, 'the head'), path: spec.path, mode: spec.render,
    // The release is named after the Sync unless the spec names it.
    helm: { valuesFiles: [], ...spec.helm, releaseName: spec.helm?.releaseName ?? identity.name }, kustomize: spec.kustomize,
    namespace: spec.namespace ?? identity.namespace, tools: deps.tools, tmpDir: deps.tmpDir,
    // Charts that read `.Capabilities` see the live server (asked only when helm runs).
    capabilities: deps.kube.serverCapabilities?.bind(deps.kube),
    // The registry Secret is read with the Sync's own identity (deps.kube is its ServiceAccount's).
    registryConfig: given !== undefined ? async () => given : secretRef && chart ? () => readRegistryConfig(deps.kube, identity.namespace, secretRef.name, chart) : undefined,
  });
  run.rendered = rendered.objects;
};
