import type { KubeObject } from '../../plan/kube-object.js';
import type { ClusterCapabilities } from '../../ports.js';
import type { RenderRequest } from './renderer.js';

/** The live cluster's capabilities for this render, or undefined when the caller has no way to ask (helm's defaults then). */
export async function readCapabilities(request: RenderRequest): Promise<ClusterCapabilities | undefined> {
  return request.capabilities ? await request.capabilities() : undefined;
}

/**
 * Options that make helm's `.Capabilities` the live server's: `--kube-version` and one
 * `--api-versions` per served version and kind (helm itself never reaches the cluster). `prefix`
 * is `''` for helm and `helm-` for kustomize's inflator. Every value is in `--name=value` form.
 */
export function capabilityArgs(capabilities: ClusterCapabilities | undefined, prefix: '' | 'helm-'): string[] {
  if (!capabilities) return [];
  const args: string[] = [];
  if (capabilities.kubeVersion) args.push(`--${prefix}kube-version=${capabilities.kubeVersion}`);
  // A value with a comma would be split by helm's flag parser; discovery never returns one.
  for (const version of capabilities.apiVersions) if (/^[\w./-]+$/.test(version)) args.push(`--${prefix}api-versions=${version}`);
  return args;
}

/** Whether the cluster already serves the kind a CustomResourceDefinition defines (at any of its versions). */
export function servesDefinedKind(capabilities: ClusterCapabilities, crd: KubeObject): boolean {
  const spec = crd['spec'] as { group?: string; names?: { kind?: string }; versions?: Array<{ name?: string }> } | undefined;
  if (!spec?.group || !spec.names?.kind) return false;
  const served = new Set(capabilities.apiVersions);
  return (spec.versions ?? []).some((v) => v.name !== undefined && served.has(`${spec.group}/${v.name}/${spec.names?.kind}`));
}
