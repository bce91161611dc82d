import { FerryError } from '@ferry/manifest-model';
import { RENDERER_CATALOG } from '../../render/renderer-catalog.js';
import type { Checkout } from './render-checkout.js';
import type { RenderRequest } from './renderer.js';
import { capabilityArgs, readCapabilities } from './helm-capabilities.js';

/**
 * kustomize's options for a kustomization with `helmCharts`: the Helm inflator on, run with the
 * agent's own helm (the `--helm` binary the helm renderer uses) through a shim, and the live
 * cluster's `.Capabilities`.
 *
 * Why a shim: the kustomize inside kubectl (1.35) first runs `helm version -c --short` and accepts
 * only Helm 3; Helm 4 rejects `-c`. The shim answers that one question and hands every other call
 * to helm unchanged (`template` with the chart, values and capabilities kustomize passes). It is a
 * Node script, since Node is the one interpreter the agent is sure to have, written to the render's
 * own home: nothing of the repository can replace it.
 */
export async function kustomizeHelmArgs(request: RenderRequest, checkout: Checkout): Promise<string[]> {
  const tool = RENDERER_CATALOG.helm.tool;
  const helm = request.tools[tool];
  if (!helm) {
    throw new FerryError('render.tool-missing', 'this kustomization inflates Helm charts (helmCharts), which needs the helm binary', { hint: `pass --${tool} <path> (or FERRY_${tool.toUpperCase()}); nothing was applied or pruned` });
  }
  const node = process.execPath;
  if (/\s/.test(node) || /\s/.test(helm)) throw new FerryError('render.tool-missing', 'the paths of node and helm must not contain whitespace to run helm for kustomize', { hint: 'install them under a path without spaces; nothing was applied or pruned' });
  const shim = await checkout.writeHomeFile('helm-for-kustomize.cjs', shimSource(node, helm), 0o700);
  return ['--enable-helm', `--helm-command=${shim}`, ...capabilityArgs(await readCapabilities(request), 'helm-')];
}

function shimSource(node: string, helm: string): string {
  return `#!${node}
'use strict';
// Written by ferry-agent for one kustomize render (see kustomize-helm.ts).
const args = process.argv.slice(2);
if (args[0] === 'version') {
  process.stdout.write('v3.99.0+ferry-shim\\n');
  process.exit(0);
}
const result = require('node:child_process').spawnSync(${JSON.stringify(helm)}, args, { stdio: 'inherit' });
process.exit(result.status === null ? 1 : result.status);
`;
}
