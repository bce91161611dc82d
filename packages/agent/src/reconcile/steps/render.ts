import { needs, type ReconcileStep } from '../reconcile-run.js';

/** The commit's files at spec.path, rendered to objects by the renderer port. */
export const renderStep: ReconcileStep = async (run) => {
  const { target: { spec, identity }, deps } = run;
  const rendered = await deps.renderer.render({
    source: deps.source, url: spec.url, commit: needs(run.head, 'the head'), path: spec.path, mode: spec.render,
    // The release is named after the Sync unless the spec names it.
    helm: { valuesFiles: [], ...spec.helm, releaseName: spec.helm?.releaseName ?? identity.name }, kustomize: spec.kustomize,
    namespace: spec.namespace ?? identity.namespace, tools: deps.tools, tmpDir: deps.tmpDir,
    // Charts that read `.Capabilities` see the live server (asked only when helm runs).
    capabilities: deps.kube.serverCapabilities?.bind(deps.kube),
  });
  run.rendered = rendered.objects;
};
