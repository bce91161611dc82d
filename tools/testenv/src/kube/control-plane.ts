// A real Kubernetes control plane for tests: etcd, kube-apiserver and kube-controller-manager on free
// loopback ports, with generated certificates, RBAC and an admin credential. The flags follow
// controller-runtime's envtest, plus the controller manager so Deployments get ReplicaSets, garbage
// collection runs and Namespaces finish terminating. No kubelet: pods are stored, never run.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCertificateAuthority,
  createServiceAccountKeys,
  issueClientCertificate,
  issueServingCertificate,
  type CertificateAuthority,
  type ClientIdentity,
} from './certificates.js';
import { findFreePorts } from './free-ports.js';
import { findKubeBinaries, findNodeSimulationBinaries, type KubeBinariesOptions } from './kube-binaries.js';
import { writeKubeconfig } from './kubeconfig.js';
import { kubectl, type RunKubectlOptions } from './run-kubectl.js';
import { startSupervisedProcess, type SupervisedProcess } from './supervised-process.js';
import { waitForHttps, type TlsClient } from './wait-for-https.js';

export interface ControlPlaneOptions extends KubeBinariesOptions {
  /** Working directory for certificates, data and logs; a fresh temporary one by default. */
  dir?: string;
  /** Start kube-controller-manager too (default true). */
  controllerManager?: boolean;
  /** How long to wait for readiness (default 90 s; a cold disk cache is slow). */
  startTimeoutMs?: number;
  /** Keep `dir` (logs, data) after stop() for debugging (default false). */
  keepDir?: boolean;
  /**
   * Simulated nodes (kwok) and kube-scheduler, so pods get scheduled and become Ready without a
   * kubelet (default false: pods stay Pending). Needs the optional binaries (see the docs).
   */
  nodeSimulation?: boolean;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  server: string;
  /** Admin kubeconfig (client certificate in system:masters), self-contained. */
  kubeconfigPath: string;
  /** PEM of the cluster CA (serving and client certificates). */
  caData: string;
  /** Bearer token of a second admin (system:masters), for clients that prefer tokens. */
  adminToken: string;
  /** Working directory: certificates, etcd data, logs/*.log. */
  dir: string;
  /** Runs the real kubectl as admin; rejects unless it exits 0. */
  kubectl(args: string[], options?: RunKubectlOptions): Promise<string>;
  /** Writes a kubeconfig for a certificate-authenticated user (no rights until RBAC grants some). */
  createUserKubeconfig(identity: ClientIdentity & { namespace?: string }): Promise<string>;
  /**
   * Stops kube-apiserver only (etcd and the controllers keep running): clients get connection
   * refused until startApiServer(). SIGTERM first (graceful: in-flight requests finish), SIGKILL after
   * `graceMs` (default 10 s; 0 = crash at once).
   */
  stopApiServer(options?: { graceMs?: number }): Promise<void>;
  /** Starts kube-apiserver again on the same port with the same certificates and etcd; resolves once ready. */
  startApiServer(options?: { timeoutMs?: number }): Promise<void>;
  /** stopApiServer() then startApiServer(): what a client sees of an apiserver rollout or crash. */
  restartApiServer(options?: { graceMs?: number; timeoutMs?: number }): Promise<void>;
  /** Stops every process (no orphans) and removes `dir` unless keepDir. Idempotent. */
  stop(): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binaries = findKubeBinaries(options);
  const nodeBinaries = options.nodeSimulation ? findNodeSimulationBinaries(options) : undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'ferry-kube-')));
  const pki = join(dir, 'pki');
  const logs = join(dir, 'logs');
  await Promise.all([mkdir(pki, { recursive: true }), mkdir(logs, { recursive: true })]);
  const processes: SupervisedProcess[] = [];
  // An interrupted run (Ctrl-C on vitest) exits without teardown: the watchdogs end the servers, and
  // this removes the directory. Synchronous, as 'exit' handlers must be.
  const removeOnExit = (): void => {
    if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', removeOnExit);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', removeOnExit);
    // etcd last: a kube-apiserver that loses etcd mid-shutdown hangs until it is killed.
    const [etcd, ...servers] = processes;
    await Promise.all(servers.map((process) => process.stop()));
    await etcd?.stop();
    if (!options.keepDir) await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);

  try {
    const ca = await createCertificateAuthority(pki);
    const [serving, admin, serviceAccount] = await Promise.all([
      issueServingCertificate(ca, pki, 'apiserver'),
      issueClientCertificate(ca, pki, 'admin', { user: 'ferry-admin', groups: ['system:masters'] }),
      createServiceAccountKeys(pki),
    ]);
    const adminToken = randomBytes(24).toString('hex');
    const tokenFile = join(pki, 'tokens.csv');
    await writeFile(tokenFile, `${adminToken},ferry-admin-token,ferry-admin-token,"system:masters"\n`, { mode: 0o600 });
    const [etcdPort, apiPort, kwokPort] = await findFreePorts(3);
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfigPath = await writeKubeconfig({ path: join(dir, 'kubeconfig'), server, caPem: ca.pem, user: 'ferry-admin', credential: admin });

    processes.push(
      startSupervisedProcess('etcd', binaries.etcd, [
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        // Port 0: the single member never talks to peers, so any free port will do.
        '--listen-peer-urls=http://127.0.0.1:0',
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ], join(logs, 'etcd.log')),
    );
    // The apiserver retries etcd until it answers, so both start at once.
    const apiserverArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      `--secure-port=${apiPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--cert-dir=${pki}`,
      `--tls-cert-file=${serving.certPath}`,
      `--tls-private-key-file=${serving.keyPath}`,
      `--client-ca-file=${ca.certPath}`,
      `--token-auth-file=${tokenFile}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      '--authorization-mode=RBAC',
      `--service-account-issuer=${server}`,
      `--service-account-key-file=${serviceAccount.certPath}`,
      `--service-account-signing-key-file=${serviceAccount.keyPath}`,
      '--v=1',
    ];
    const launchApiServer = () => startSupervisedProcess('kube-apiserver', binaries.kubeApiserver, apiserverArgs, join(logs, 'kube-apiserver.log'));
    processes.push(launchApiServer());

    const client: TlsClient = { caPem: ca.pem, certPath: admin.certPath, keyPath: admin.keyPath };
    await waitForHttps(`${server}/readyz`, client, deadline, processes);

    if (options.controllerManager !== false) {
      processes.push(
        startSupervisedProcess('kube-controller-manager', binaries.kubeControllerManager, [
          `--kubeconfig=${kubeconfigPath}`,
          // 0: serve no HTTPS, so parallel control planes never fight over the default port.
          '--secure-port=0',
          '--leader-elect=false',
          `--service-account-private-key-file=${serviceAccount.keyPath}`,
          `--root-ca-file=${ca.certPath}`,
          `--cluster-signing-cert-file=${ca.certPath}`,
          `--cluster-signing-key-file=${ca.keyPath}`,
          '--controllers=*',
          '--v=1',
        ], join(logs, 'kube-controller-manager.log')),
      );
      // The service-account controller creates `default` in every namespace: proof that the
      // controllers run, and pods need it before they are admitted.
      await waitForHttps(`${server}/api/v1/namespaces/default/serviceaccounts/default`, client, deadline, processes);
    }

    if (nodeBinaries) {
      processes.push(
        startSupervisedProcess('kube-scheduler', nodeBinaries.kubeScheduler, [
          `--kubeconfig=${kubeconfigPath}`,
          '--secure-port=0',
          '--leader-elect=false',
          '--v=1',
        ], join(logs, 'kube-scheduler.log')),
        startSupervisedProcess('kwok', nodeBinaries.kwok, [
          `--kubeconfig=${kubeconfigPath}`,
          '--manage-all-nodes=false',
          `--manage-nodes-with-annotation-selector=${kwokNodeAnnotation}=fake`,
          '--manage-nodes-with-label-selector=',
          '--manage-single-node=',
          `--server-address=127.0.0.1:${kwokPort}`,
          '--cidr=10.0.1.0/24',
          '--node-ip=10.0.1.1',
          '--node-lease-duration-seconds=40',
        ], join(logs, 'kwok.log')),
      );
      await kubectl(kubeconfigPath, ['apply', '--server-side', '-f', '-'], { input: JSON.stringify(kwokNode) });
      await kubectl(kubeconfigPath, ['wait', '--for=condition=Ready', `node/${kwokNode.metadata.name}`, `--timeout=${Math.max(1, Math.round((deadline - Date.now()) / 1000))}s`]);
    }

    // The apiserver sits at index 1 (etcd first: stop() ends it last); a restart replaces the entry.
    let apiserverUp = true;
    const stopApiServer = async (stopOptions: { graceMs?: number } = {}): Promise<void> => {
      if (stopped) throw new Error('the control plane is stopped');
      if (!apiserverUp) return;
      apiserverUp = false;
      await (processes[1] as SupervisedProcess).stop(stopOptions.graceMs ?? 10_000);
    };
    const startApiServer = async (startOptions: { timeoutMs?: number } = {}): Promise<void> => {
      if (stopped) throw new Error('the control plane is stopped');
      if (!apiserverUp) {
        processes[1] = launchApiServer();
        apiserverUp = true;
      }
      await waitForHttps(`${server}/readyz`, client, Date.now() + (startOptions.timeoutMs ?? 60_000), [processes[1] as SupervisedProcess]);
    };

    return {
      server,
      kubeconfigPath,
      caData: ca.pem,
      adminToken,
      dir,
      kubectl: (args, runOptions) => kubectl(kubeconfigPath, args, runOptions),
      createUserKubeconfig: (identity) => createUserKubeconfig(ca, dir, server, identity),
      stopApiServer,
      startApiServer,
      async restartApiServer(restartOptions = {}) {
        await stopApiServer(restartOptions.graceMs !== undefined ? { graceMs: restartOptions.graceMs } : {});
        await startApiServer(restartOptions.timeoutMs !== undefined ? { timeoutMs: restartOptions.timeoutMs } : {});
      },
      stop,
    };
  } catch (error) {
    // Keep the logs of a failed start: they are the only clue.
    options.keepDir = true;
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n(control-plane logs kept in ${logs})`, { cause: error });
  }
}

const kwokNodeAnnotation = 'kwok.x-k8s.io/node';

// A node kwok manages: it reports it Ready and makes its pods Running and Ready.
const kwokNode = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name: 'kwok-node-0',
    annotations: { [kwokNodeAnnotation]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    labels: { 'kubernetes.io/hostname': 'kwok-node-0', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
  },
  status: {
    allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
    capacity: { cpu: '32', memory: '256Gi', pods: '110' },
  },
};

let userCounter = 0;

async function createUserKubeconfig(ca: CertificateAuthority, dir: string, server: string, identity: ClientIdentity & { namespace?: string }): Promise<string> {
  const users = join(dir, 'users');
  await mkdir(users, { recursive: true });
  const name = `user-${++userCounter}`;
  const credential = await issueClientCertificate(ca, users, name, identity);
  return writeKubeconfig({
    path: join(users, `${name}.kubeconfig`),
    server,
    caPem: ca.pem,
    user: identity.user,
    credential,
    ...(identity.namespace ? { namespace: identity.namespace } : {}),
  });
}
