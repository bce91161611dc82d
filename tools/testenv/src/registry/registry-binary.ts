// Where the OCI registry binary lives, and how it gets there: built from its Go module
// (github.com/distribution/distribution/v3, the reference registry) by scripts/build-registry.sh and
// cached by version under ~/.cache/ferry, like the control-plane binaries (kube/kube-binaries.ts).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ferryCacheDir } from '../binaries.js';

/** distribution/distribution v3: the registry Docker Hub, GitLab and Harbor run. */
export const registryVersion = '3.1.2';

export interface RegistryBinaryOptions {
  /** Cache root; defaults to ~/.cache/ferry. */
  cacheDir?: string;
}

export function registryBinaryPath(options: RegistryBinaryOptions = {}): string {
  return join(options.cacheDir ?? ferryCacheDir(), 'registry', `v${registryVersion}`, 'registry');
}

/** The cached binary, or an error that says how to build it. */
export function findRegistryBinary(options: RegistryBinaryOptions = {}): string {
  const path = registryBinaryPath(options);
  // The build script moves the binary into the cache only once built: present means complete.
  if (!existsSync(path)) {
    throw new Error(
      `registry binary not built: ${path}. Run \`npm run testenv:install\` at the repository root ` +
        `(builds github.com/distribution/distribution/v3 v${registryVersion} from its Go module; about a minute, later runs use the cache).`,
    );
  }
  return path;
}

export const registryBuildScriptPath = fileURLToPath(new URL('../../scripts/build-registry.sh', import.meta.url));

/** Builds the registry unless cached (idempotent; concurrent callers wait on a lock). */
export async function buildRegistryBinary(options: RegistryBinaryOptions = {}): Promise<string> {
  const env = { ...process.env, FERRY_REGISTRY_VERSION: registryVersion, FERRY_CACHE_DIR: options.cacheDir ?? ferryCacheDir() };
  const child = spawn('bash', [registryBuildScriptPath], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`${registryBuildScriptPath} failed with exit code ${code}; its output is above`);
  return findRegistryBinary(options);
}
