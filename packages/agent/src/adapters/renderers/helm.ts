import { FerryError } from '@ferry/manifest-model';
import { posix } from 'node:path';
import type { RenderedObject } from '../../plan/kube-object.js';
import { parseManifestFile } from '../../render/parse-manifests.js';
import type { ClusterCapabilities } from '../../ports.js';
import { PruneAnnotation, PruneDisabled } from '../../sync/labels.js';
import { HelmOptions, helmCrdPolicies, isOciChart, maxReleaseNameLength, releaseNamePattern, type HelmCrdPolicy } from '../../sync/sync-spec.js';
import { capabilityArgs, readCapabilities, servesDefinedKind } from './helm-capabilities.js';
import { pullOciChart, type OciChart } from './helm-oci-pull.js';
import { readTree, withCheckout } from './render-checkout.js';
import type { Renderer, RenderRequest } from './renderer.js';
import { asArgument, checkedPath } from './repo-arguments.js';

/**
 * `helm template` of the chart (spec.helm.chart, default the path) with values files from the
 * repository, then the Sync's inline values, rendered with the live cluster's `.Capabilities`; the
 * chart's `crds/` as spec.helm.crds says.
 */
export const helmRenderer: Renderer = {
  detect: (fileNames) => fileNames.has('Chart.yaml'),
  async render(request) {
    // Checked before anything is read, written or run.
    const helm = checkedHelm(request);
    // An oci:// chart is pulled first, in a step of its own that may reach only its registry
    // (helm-oci-pull.ts); the render below never has the network.
    const pulled = helm.oci ? await pullOciChart(request, helm.oci) : undefined;
    const chart = helm.oci ? `${helm.oci.chart.slice('oci://'.length)}:${helm.oci.version}` : helm.chart || '.';
    const capabilities = await readCapabilities(request);
    // Every option in its `--name=value` form, values files as ./paths (never `-`, standard input,
    // or a URL), then `--`: the release name and chart are positional whatever they hold.
    const args = ['template'];
    if (helm.crds !== 'Skip') args.push('--include-crds');
    if (helm.namespace) args.push(`--namespace=${helm.namespace}`);
    args.push(...capabilityArgs(capabilities, ''));
    for (const values of helm.valuesFiles) args.push(`--values=${asArgument(values)}`);
    const tree = await readTree(request);
    const output = await withCheckout(request, tree, { allowNetwork: false }, async (checkout) => {
      // Inline values last (they win), as a file of the agent's own: never `--set` strings, whose
      // commas, dots and brackets helm would parse.
      if (helm.values) args.push(`--values=${await checkout.writeHomeFile('inline-values.json', JSON.stringify(helm.values))}`);
      args.push('--', helm.releaseName, pulled ? pulled.path : asArgument(helm.chart));
      return checkout.run({ renderer: 'helm', args, label: 'helm template', errorCode: 'render.helm', target: chart });
    });
    return applyCrdPolicy(attributeHelmSources(output, chart), helm.crds, capabilities);
  },
};

interface CheckedHelm {
  chart: string;
  releaseName: string;
  valuesFiles: string[];
  values: Record<string, unknown> | undefined;
  crds: HelmCrdPolicy;
  namespace: string | undefined;
  /** An oci:// chart (then `chart` is unused). */
  oci: OciChart | undefined;
}

/** Defence in depth: the Sync schema refuses these already; a caller that skipped it is refused here. */
function checkedHelm(request: RenderRequest): CheckedHelm {
  const oci = checkedOci(request);
  const chart = oci ? '' : request.helm?.chart !== undefined ? checkedPath(request.helm.chart, 'spec.helm.chart') : request.path;
  const releaseName = request.helm?.releaseName ?? (posix.basename(oci ? oci.chart : chart) || 'release');
  if (releaseName.length > maxReleaseNameLength || !releaseNamePattern.test(releaseName)) {
    throw new FerryError('render.helm-release-name', `"${releaseName.slice(0, 80)}" is not a Helm release name (lower-case letters, digits, "-" and ".", at most ${maxReleaseNameLength} characters)`, {
      hint: 'set spec.helm.releaseName (it defaults to the Sync\'s name); nothing was applied or pruned',
    });
  }
  const valuesFiles = (request.helm?.valuesFiles ?? []).map((f, i) => {
    const file = checkedPath(f, `spec.helm.valuesFiles.${i}`);
    if (!file) throw new FerryError('sync.spec', `spec.helm.valuesFiles.${i}: must name a file in the repository, not its root`, { hint: 'fix the Sync object; see docs/agent.md for its fields' });
    return file;
  });
  const namespace = request.namespace;
  if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) {
    throw new FerryError('sync.spec', `spec.namespace: "${namespace.slice(0, 80)}" is not a namespace name`, { hint: 'fix the Sync object; see docs/agent.md for its fields' });
  }
  const values = request.helm?.values;
  if (values !== undefined && (typeof values !== 'object' || values === null || Array.isArray(values))) {
    throw new FerryError('sync.spec', 'spec.helm.values: must be an object of Helm values', { hint: 'fix the Sync object; see docs/agent.md for its fields' });
  }
  const crds = request.helm?.crds ?? 'Create';
  if (!helmCrdPolicies.includes(crds)) throw new FerryError('sync.spec', `spec.helm.crds: must be one of ${helmCrdPolicies.join(', ')}`, { hint: 'fix the Sync object; see docs/agent.md for its fields' });
  return { chart, releaseName, valuesFiles, values, crds, namespace, oci };
}

function checkedOci(request: RenderRequest): OciChart | undefined {
  const helm = request.helm;
  if (!isOciChart(helm?.chart)) {
    if (helm?.version !== undefined || helm?.digest !== undefined) throw new FerryError('sync.spec', 'spec.helm.version and spec.helm.digest go only with an oci:// chart', { hint: 'fix the Sync object; see docs/agent.md for its fields' });
    return undefined;
  }
  const parsed = HelmOptions.safeParse({ chart: helm.chart, version: helm.version, digest: helm.digest });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FerryError('sync.spec', `spec.helm.${issue?.path.join('.') || 'chart'}: ${issue?.message ?? 'invalid'}`, { hint: 'fix the Sync object; see docs/agent.md for its fields' });
  }
  return { chart: helm.chart, version: helm.version!, digest: helm.digest };
}

/** A rendered object, and whether it came from a `crds/` directory (the chart's or a subchart's). */
interface HelmObject extends RenderedObject {
  fromCrdsDir: boolean;
}

/** `helm template` marks each document with `# Source: <chart>/templates/x.yaml`; keep that as the file. */
function attributeHelmSources(output: string, chart: string): HelmObject[] {
  const objects: HelmObject[] = [];
  for (const chunk of output.split(/^---\s*$/m)) {
    const source = /^# Source: [^/]+\/(.+)$/m.exec(chunk)?.[1];
    const file = source ? posix.join(chart, source) : `${chart} (helm output)`;
    // `crds/x.yaml`, `charts/sub/crds/x.yaml`; never `templates/crds/x.yaml` (a template).
    const fromCrdsDir = source !== undefined && /^(charts\/[^/]+\/)*crds\//.test(source);
    objects.push(...parseManifestFile({ path: file, content: chunk }).map((o) => ({ object: o.object, source: { file, line: o.source?.line ?? 1 }, fromCrdsDir })));
  }
  return objects;
}

/**
 * Helm's rules for `crds/`: installed first (the apply order puts CRDs in the first stage anyway)
 * and never deleted, since deleting a CRD deletes every resource of it in the whole cluster: each
 * is marked `ferry.dev/prune: disabled`. `Create` leaves out those whose kind the cluster already
 * serves, so an existing CRD is never changed (without capabilities it cannot tell, and applies).
 */
function applyCrdPolicy(objects: readonly HelmObject[], policy: HelmCrdPolicy, capabilities: ClusterCapabilities | undefined): RenderedObject[] {
  const rendered: RenderedObject[] = [];
  for (const { fromCrdsDir, ...item } of objects) {
    if (!fromCrdsDir) {
      rendered.push(item);
      continue;
    }
    const isCrd = item.object.kind === 'CustomResourceDefinition' && item.object.apiVersion.startsWith('apiextensions.k8s.io/');
    if (isCrd && policy === 'Create' && capabilities && servesDefinedKind(capabilities, item.object)) continue;
    const metadata = item.object.metadata ?? {};
    const annotations = { ...metadata.annotations, [PruneAnnotation]: PruneDisabled };
    rendered.push({ ...item, object: { ...item.object, metadata: { ...metadata, annotations } } });
  }
  return rendered;
}
