// Where the Gitea binary lives, and how it gets there: built from its Go module (code.gitea.io/gitea)
// by scripts/build-gitea.sh and cached by version under ~/.cache/ferry, like the registry. Beside the
// binary: the module's options/, templates/ and public/ (its STATIC_ROOT_PATH; no `bindata` build tag).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ferryCacheDir } from '../binaries.js';

export const giteaVersion = '1.27.3';

export interface GiteaBinaryOptions {
  /** Cache root; defaults to ~/.cache/ferry. */
  cacheDir?: string;
}

export interface GiteaInstall {
  binary: string;
  /** The module source Gitea reads locales and templates from (STATIC_ROOT_PATH). */
  staticRoot: string;
}

export function giteaInstallPath(options: GiteaBinaryOptions = {}): GiteaInstall {
  const dir = join(options.cacheDir ?? ferryCacheDir(), 'gitea', `v${giteaVersion}`);
  return { binary: join(dir, 'gitea'), staticRoot: join(dir, 'src') };
}

/** The cached build, or an error that says how to build it. */
export function findGiteaBinary(options: GiteaBinaryOptions = {}): GiteaInstall {
  const install = giteaInstallPath(options);
  // The build script moves the directory into the cache only once complete: present means built.
  if (!existsSync(install.binary) || !existsSync(join(install.staticRoot, 'options'))) {
    throw new Error(
      `gitea not built: ${install.binary}. Run \`npm run testenv:install\` at the repository root ` +
        `(builds code.gitea.io/gitea v${giteaVersion} from its Go module; about 3-4 minutes on 2 cores, later runs use the cache).`,
    );
  }
  return install;
}

export const giteaBuildScriptPath = fileURLToPath(new URL('../../scripts/build-gitea.sh', import.meta.url));

/** Builds Gitea unless cached (idempotent; concurrent callers wait on a lock). */
export async function buildGiteaBinary(options: GiteaBinaryOptions = {}): Promise<GiteaInstall> {
  const env = { ...process.env, FERRY_GITEA_VERSION: giteaVersion, FERRY_CACHE_DIR: options.cacheDir ?? ferryCacheDir() };
  const child = spawn('bash', [giteaBuildScriptPath], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`${giteaBuildScriptPath} failed with exit code ${code}; its output is above`);
  return findGiteaBinary(options);
}
