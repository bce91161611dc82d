// `npm run cluster`: a control plane for manual use, until Ctrl-C.
import { kubectlPath } from '../binaries.js';
import { startControlPlane } from './control-plane.js';

const started = Date.now();
// `npm run cluster -- --nodes`: also a simulated node (kwok) so pods become Ready.
const nodeSimulation = process.argv.includes('--nodes');
const controlPlane = await startControlPlane({ nodeSimulation });
console.log(`Kubernetes control plane ready at ${controlPlane.server} in ${((Date.now() - started) / 1000).toFixed(1)} s
${nodeSimulation ? '(etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok with one simulated node: pods become Ready, no container runs)' : '(etcd, kube-apiserver, kube-controller-manager; no kubelet, so pods stay Pending; --nodes adds a simulated node)'}

Point kubectl at it:
  export KUBECONFIG=${controlPlane.kubeconfigPath}
  kubectl get namespaces
(no kubectl on your PATH? the project's own: ${kubectlPath()})

Logs: ${controlPlane.dir}/logs
Press Ctrl-C to stop it (everything is removed).`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping the control plane...');
    void controlPlane.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
