// Program run by scripts/install.sh: unpacks kubectl/helm and builds the control-plane binaries
// (both cached, so a second run only checks). Prints where everything is.
import { installKubeTools } from '../binaries.js';
import { buildKubeBinaries } from './kube-binaries.js';

const started = Date.now();
const tools = installKubeTools();
const binaries = await buildKubeBinaries();
for (const [name, path] of Object.entries({ ...tools, ...binaries })) console.log(`${name.padEnd(22)} ${path}`);
console.log(`test environment ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
