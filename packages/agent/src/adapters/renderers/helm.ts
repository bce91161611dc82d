import { FerryError } from '@ferry/manifest-model';
import { posix } from 'node:path';
import type { RenderedObject } from '../../plan/kube-object.js';
import { parseManifestFile } from '../../render/parse-manifests.js';
import { maxReleaseNameLength, releaseNamePattern } from '../../sync/sync-spec.js';
import { readTree, withCheckout } from './render-checkout.js';
import type { Renderer, RenderRequest } from './renderer.js';
import { asArgument, checkedPath } from './repo-arguments.js';

/** `helm template` of the chart (spec.helm.chart, default the path) with values files from the repository. */
export const helmRenderer: Renderer = {
  detect: (fileNames) => fileNames.has('Chart.yaml'),
  async render(request) {
    // Checked before anything is read, written or run.
    const helm = checkedHelm(request);
    const chart = helm.chart || '.';
    // Every option in its `--name=value` form, values files as ./paths (never `-`, standard input,
    // or a URL), then `--`: the release name and chart are positional whatever they hold.
    const args = ['template'];
    if (helm.namespace) args.push(`--namespace=${helm.namespace}`);
    for (const values of helm.valuesFiles) args.push(`--values=${asArgument(values)}`);
    args.push('--', helm.releaseName, asArgument(helm.chart));
    const tree = await readTree(request);
    const output = await withCheckout(request, tree, { allowNetwork: false }, (checkout) =>
      checkout.run({ renderer: 'helm', args, label: 'helm template', errorCode: 'render.helm', target: chart }),
    );
    return attributeHelmSources(output, chart);
  },
};

interface CheckedHelm {
  chart: string;
  releaseName: string;
  valuesFiles: string[];
  namespace: string | undefined;
}

/** Defence in depth: the Sync schema refuses these already; a caller that skipped it is refused here. */
function checkedHelm(request: RenderRequest): CheckedHelm {
  const chart = request.helm?.chart !== undefined ? checkedPath(request.helm.chart, 'spec.helm.chart') : request.path;
  const releaseName = request.helm?.releaseName ?? (posix.basename(chart) || 'release');
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
  return { chart, releaseName, valuesFiles, namespace };
}

/** `helm template` marks each document with `# Source: <chart>/templates/x.yaml`; keep that as the file. */
function attributeHelmSources(output: string, chart: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const chunk of output.split(/^---\s*$/m)) {
    const source = /^# Source: [^/]+\/(.+)$/m.exec(chunk)?.[1];
    const file = source ? posix.join(chart, source) : `${chart} (helm output)`;
    objects.push(...parseManifestFile({ path: file, content: chunk }).map((o) => ({ object: o.object, source: { file, line: o.source?.line ?? 1 } })));
  }
  return objects;
}
