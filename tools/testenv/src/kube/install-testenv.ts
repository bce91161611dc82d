// Program run by scripts/install.sh: unpacks kubectl/helm and builds the control-plane binaries and
// the OCI registry and Gitea (all cached, so a second run only checks). Prints where everything is.
import { installKubeTools } from '../binaries.js';
import { buildGiteaBinary } from '../gitea/gitea-binary.js';
import { buildRegistryBinary } from '../registry/registry-binary.js';
import { buildKubeBinaries, nodeSimulationBinaryPaths } from './kube-binaries.js';

const started = Date.now();
const tools = installKubeTools();
// Node simulation (kube-scheduler, kwok) too: its tests run in CI like the others.
const binaries = await buildKubeBinaries({ nodeSimulation: true });
// The registry for `--verify-image` tests (about a minute on a cold cache).
const registry = await buildRegistryBinary();
// Gitea for the second forge's tests (3-4 minutes on a cold cache, 2 cores).
const gitea = (await buildGiteaBinary()).binary;
for (const [name, path] of Object.entries({ ...tools, ...binaries, ...nodeSimulationBinaryPaths(), registry, gitea })) console.log(`${name.padEnd(22)} ${path}`);
console.log(`test environment ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
