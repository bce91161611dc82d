export const placeholder = true;
export { ferryCacheDir, helmPath, installKubeTools, kubectlPath } from './binaries.js';
export type { KubeToolsOptions, KubeToolsPaths } from './binaries.js';
