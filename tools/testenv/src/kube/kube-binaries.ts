// Where the control-plane binaries live, and how they get there. They are built from Go modules by
// scripts/build-kube.sh (there is no Docker and no Kubernetes server package on these machines) and
// cached by version under ~/.cache/ferry, outside the repo, so CI on the same machine reuses them.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ferryCacheDir } from '../binaries.js';

/** kube-apiserver and kube-controller-manager version (kubectl from the npm layer is v1.35.2). */
export const kubernetesVersion = '1.35.4';
/** etcd 3.6, the line Kubernetes 1.35 is tested against. */
export const etcdVersion = '3.6.16';
/** kwok simulates nodes so pods become Ready (optional part). */
export const kwokVersion = '0.7.0';

export interface KubeBinaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
}

/** The optional node simulation: the scheduler binds pods to kwok's fake nodes. */
export interface NodeSimulationBinaries {
  kubeScheduler: string;
  kwok: string;
}

export interface KubeBinariesOptions {
  /** Cache root; defaults to ~/.cache/ferry. */
  cacheDir?: string;
}

/** Paths the build script writes to. */
export function kubeBinaryPaths(options: KubeBinariesOptions = {}): KubeBinaries {
  const cache = options.cacheDir ?? ferryCacheDir();
  const kube = join(cache, 'kube', `v${kubernetesVersion}`);
  return {
    etcd: join(cache, 'etcd', `v${etcdVersion}`, 'etcd'),
    kubeApiserver: join(kube, 'kube-apiserver'),
    kubeControllerManager: join(kube, 'kube-controller-manager'),
  };
}

export function nodeSimulationBinaryPaths(options: KubeBinariesOptions = {}): NodeSimulationBinaries {
  const cache = options.cacheDir ?? ferryCacheDir();
  return {
    kubeScheduler: join(cache, 'kube', `v${kubernetesVersion}`, 'kube-scheduler'),
    kwok: join(cache, 'kwok', `v${kwokVersion}`, 'kwok'),
  };
}

export function findNodeSimulationBinaries(options: KubeBinariesOptions = {}): NodeSimulationBinaries {
  const paths = nodeSimulationBinaryPaths(options);
  const missing = Object.values(paths).filter((path) => !existsSync(path));
  if (missing.length > 0) {
    throw new Error(`node simulation binaries not built: ${missing.join(', ')}. Run \`npm run testenv:install\` at the repository root.`);
  }
  return paths;
}

/** The cached binaries, or an error that says how to build them. */
export function findKubeBinaries(options: KubeBinariesOptions = {}): KubeBinaries {
  const paths = kubeBinaryPaths(options);
  // The build script moves a binary into the cache only once it is built: present means complete.
  const missing = Object.values(paths).filter((path) => !existsSync(path));
  if (missing.length > 0) {
    throw new Error(
      `control-plane binaries not built: ${missing.join(', ')}. ` +
        'Run `npm run testenv:install` at the repository root (builds etcd and Kubernetes from Go modules; ' +
        'the first build takes several minutes, later runs use the cache).',
    );
  }
  return paths;
}

export const buildScriptPath = fileURLToPath(new URL('../../scripts/build-kube.sh', import.meta.url));

/** Builds the binaries unless cached (idempotent; concurrent callers wait on a lock). */
export async function buildKubeBinaries(options: KubeBinariesOptions & { nodeSimulation?: boolean } = {}): Promise<KubeBinaries> {
  const env = {
    ...process.env,
    FERRY_K8S_VERSION: kubernetesVersion,
    FERRY_ETCD_VERSION: etcdVersion,
    FERRY_KWOK_VERSION: kwokVersion,
    FERRY_BUILD_NODES: options.nodeSimulation ? '1' : '0',
    FERRY_CACHE_DIR: options.cacheDir ?? ferryCacheDir(),
  };
  const child = spawn('bash', [buildScriptPath], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`${buildScriptPath} failed with exit code ${code}; its output is above`);
  return findKubeBinaries(options);
}
