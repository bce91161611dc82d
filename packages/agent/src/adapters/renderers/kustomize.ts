import { posix } from 'node:path';
import { checkKustomizations, kustomizationFileNames } from '../../render/check-kustomizations.js';
import { parseManifestFile } from '../../render/parse-manifests.js';
import type { SourceFile } from '../git-source.js';
import { readTree, withCheckout } from './render-checkout.js';
import type { Renderer } from './renderer.js';
import { kustomizeHelmArgs } from './kustomize-helm.js';
import { asArgument } from './repo-arguments.js';

const kustomizationFiles: readonly string[] = kustomizationFileNames;

/** `kubectl kustomize` on the path, after every kustomization it reaches passed the reference check. */
export const kustomizeRenderer: Renderer = {
  detect: (fileNames) => kustomizationFiles.some((n) => fileNames.has(n)),
  async render(request) {
    const tree = await readTree(request);
    const allowRemote = request.kustomize?.allowRemoteResources === true;
    // Before anything is written or run: what the kustomizations reference stays in the revision.
    const check = checkKustomizations(kustomizationTexts(tree), request.path, { allowRemote });
    const target = request.path || '.';
    // Flags are explicit so nothing in the repository can turn them off: files only from inside each
    // kustomization's root, no plugins, Helm charts only when a kustomization inflates one (and then
    // only with the agent's helm, see kustomize-helm.ts). `--` ends the options.
    const output = await withCheckout(request, tree, { allowNetwork: allowRemote }, async (checkout) => {
      const helm = check.helmCharts ? await kustomizeHelmArgs(request, checkout) : ['--enable-helm=false'];
      const args = ['kustomize', '--load-restrictor=LoadRestrictionsRootOnly', '--enable-alpha-plugins=false', ...helm, '--', asArgument(request.path)];
      return checkout.run({ renderer: 'kustomize', args, label: 'kustomize', errorCode: 'render.kustomize', target });
    });
    return parseManifestFile({ path: `${target} (kustomize output)`, content: output });
  },
};

/** Kustomization files as text, for the reference check (other files are not read there). */
function kustomizationTexts(tree: readonly SourceFile[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const file of tree) {
    const text = kustomizationFiles.includes(posix.basename(file.path)) ? file.content.toString('utf8') : '';
    files.set(file.path, text);
  }
  return files;
}
