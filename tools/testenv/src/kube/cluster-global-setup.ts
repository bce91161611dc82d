// vitest global setup of the `cluster` project: ONE control plane for the whole run, shared by every
// *.cluster.test.ts through inject('kubeconfigPath'). If it cannot start, setup throws and the run
// fails: cluster tests never skip silently.
import type { TestProject } from 'vitest/node';
import { startControlPlane } from './control-plane.js';
import './provided-context.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const controlPlane = await startControlPlane();
  console.log(`control plane ready at ${controlPlane.server} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide('kubeconfigPath', controlPlane.kubeconfigPath);
  project.provide('kubeServer', controlPlane.server);
  return () => controlPlane.stop();
}
