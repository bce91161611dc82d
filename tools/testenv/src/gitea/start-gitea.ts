// A real Gitea for tests: the binary built by `npm run testenv:install` (scripts/build-gitea.sh) on a
// loopback port, with a temp work directory, SQLite, no SSH, no network beyond loopback. The admin user
// and its token come from Gitea's own CLI; repositories are seeded through its API.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { findFreePorts } from '../kube/free-ports.js';
import { startSupervisedProcess, type SupervisedProcess } from '../kube/supervised-process.js';
import { findGiteaBinary, type GiteaInstall } from './gitea-binary.js';

export interface GiteaOptions {
  /** Binary and static root; default the cached build (see findGiteaBinary). */
  install?: GiteaInstall;
  /** Extra app.ini sections, appended verbatim (e.g. "[webhook]\nDELIVER_TIMEOUT = 5"). */
  extraConfig?: string;
}

export interface GiteaUser {
  username: string;
  password: string;
  /** A personal access token with every scope (`generate-access-token --scopes all`). */
  token: string;
}

export interface GiteaRepo {
  owner: string;
  name: string;
  /** `owner/name` */
  fullName: string;
  /** http://127.0.0.1:PORT/owner/name.git (git over HTTP; the token works as basic-auth password). */
  cloneUrl: string;
}

export interface CreateGiteaRepoOptions {
  /** Default the admin user. */
  owner?: string;
  /** Files of the first commit on `main` (path -> text); none leaves the repository with one README. */
  files?: Record<string, string>;
  private?: boolean;
}

export interface TestGitea {
  /** http://127.0.0.1:PORT */
  url: string;
  /** http://127.0.0.1:PORT/api/v1 */
  apiUrl: string;
  version: string;
  admin: GiteaUser;
  /** A request to the API as the admin (path relative to /api/v1); throws on a non-2xx answer. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** A raw request to the API as the admin (path relative to /api/v1): the caller reads the status. */
  request(method: string, path: string, body?: unknown, token?: string): Promise<Response>;
  createRepo(name: string, options?: CreateGiteaRepoOptions): Promise<GiteaRepo>;
  /** A plain (non-admin) user with a token of every scope. */
  createUser(username: string): Promise<GiteaUser>;
  /** Basic credentials for git over HTTP as a user (token as password). */
  gitAuthHeader(user?: GiteaUser): string;
  logTail(lines?: number): string;
  close(): Promise<void>;
}

export async function startGitea(options: GiteaOptions = {}): Promise<TestGitea> {
  const install = options.install ?? findGiteaBinary();
  const scratch = await mkdtemp(join(tmpdir(), 'ferry-gitea-'));
  const cleanups: (() => Promise<void>)[] = [() => rm(scratch, { recursive: true, force: true })];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    await mkdir(join(scratch, 'home'), { recursive: true });
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: join(scratch, 'home'),
      GITEA_WORK_DIR: scratch,
      // Gitea refuses to run as root; CI runs as root in a throwaway machine, and this server listens
      // on loopback only with a temp work directory.
      ...(process.getuid?.() === 0 ? { GITEA_I_AM_BEING_UNSAFE_RUNNING_AS_ROOT: 'true' } : {}),
    };
    const { process: server, port, config } = await launch(install, scratch, env, options.extraConfig ?? '');
    cleanups.push(() => server.stop());
    const url = `http://127.0.0.1:${port}`;
    const apiUrl = `${url}/api/v1`;
    const cli = (args: string[]): Promise<string> => runGitea(install.binary, ['--config', config, '--work-path', scratch, ...args], env);

    const createUser = async (username: string, admin = false): Promise<GiteaUser> => {
      const password = `Pw-${randomBytes(18).toString('base64url')}`;
      await cli(['admin', 'user', 'create', ...(admin ? ['--admin'] : []), '--username', username, '--password', password,
        '--email', `${username}@ferry.test`, '--must-change-password=false']);
      const token = (await cli(['admin', 'user', 'generate-access-token', '--username', username, '--token-name', `ferry-${randomBytes(4).toString('hex')}`, '--scopes', 'all', '--raw'])).trim();
      if (!/^[0-9a-f]{40}$/.test(token)) throw new Error(`gitea admin user generate-access-token for ${username} did not print a token`);
      return { username, password, token };
    };
    const admin = await createUser('ferry-admin', true);

    const request = async (method: string, path: string, body?: unknown, token = admin.token): Promise<Response> =>
      fetch(`${apiUrl}${path}`, {
        method,
        headers: { authorization: `token ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await request(method, path, body);
      const text = await response.text();
      if (!response.ok) throw new Error(`gitea ${method} ${path}: HTTP ${response.status}: ${text.slice(0, 300)}`);
      return (text ? JSON.parse(text) : undefined) as T;
    };
    const { version } = await api<{ version: string }>('GET', '/version');

    return {
      url, apiUrl, version, admin, api, request,
      async createRepo(name, repoOptions = {}) {
        const owner = repoOptions.owner ?? admin.username;
        const files = repoOptions.files ?? { 'README.md': `# ${name}\n` };
        const path = owner === admin.username ? '/user/repos' : `/admin/users/${encodeURIComponent(owner)}/repos`;
        await api('POST', path, { name, default_branch: 'main', auto_init: false, private: repoOptions.private ?? false });
        // One commit with every file, on main (the API creates the branch with the first commit).
        await api('POST', `/repos/${owner}/${name}/contents`, {
          branch: 'main', message: 'seed',
          files: Object.entries(files).map(([filePath, content]) => ({ operation: 'create', path: filePath, content: Buffer.from(content).toString('base64') })),
        });
        return { owner, name, fullName: `${owner}/${name}`, cloneUrl: `${url}/${owner}/${name}.git` };
      },
      createUser: (username) => createUser(username),
      gitAuthHeader: (user = admin) => `Basic ${Buffer.from(`${user.username}:${user.token}`).toString('base64')}`,
      logTail: (lines) => server.logTail(lines),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

function appIni(install: GiteaInstall, scratch: string, port: number, extra: string): string {
  return `APP_NAME = ferry-test
RUN_MODE = prod
RUN_USER = ${userInfo().username}
WORK_PATH = ${scratch}

[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = ${port}
ROOT_URL = http://127.0.0.1:${port}/
LOCAL_ROOT_URL = http://127.0.0.1:${port}/
DISABLE_SSH = true
START_SSH_SERVER = false
OFFLINE_MODE = true
LFS_START_SERVER = false
STATIC_ROOT_PATH = ${install.staticRoot}
APP_DATA_PATH = ${join(scratch, 'data')}

[database]
DB_TYPE = sqlite3
PATH = ${join(scratch, 'data', 'gitea.db')}

[security]
INSTALL_LOCK = true
SECRET_KEY = ${randomBytes(32).toString('hex')}
INTERNAL_TOKEN = ${randomBytes(48).toString('base64url')}

[oauth2]
ENABLED = false

[repository]
ROOT = ${join(scratch, 'repositories')}
DEFAULT_BRANCH = main

[service]
DISABLE_REGISTRATION = true

[webhook]
; the agent under test listens on loopback
ALLOWED_HOST_LIST = loopback,private

[indexer]
ISSUE_INDEXER_TYPE = db
REPO_INDEXER_ENABLED = false

[session]
PROVIDER = memory

[cache]
ADAPTER = memory

[cron]
ENABLED = false

[mailer]
ENABLED = false

[actions]
ENABLED = false

[log]
MODE = console
LEVEL = Warn
ROOT_PATH = ${join(scratch, 'log')}
${extra}
`;
}

/** Starts Gitea on a free port (another one if a racing process took it first) and waits until its API answers. */
async function launch(install: GiteaInstall, scratch: string, env: Record<string, string>, extra: string): Promise<{ process: SupervisedProcess; port: number; config: string }> {
  for (let attempt = 1; ; attempt++) {
    const [port] = (await findFreePorts(1)) as [number];
    const config = join(scratch, `app-${attempt}.ini`);
    await writeFile(config, appIni(install, scratch, port, extra));
    // The schema first, so the CLI can create users while (or before) the server runs.
    if (attempt === 1) await runGitea(install.binary, ['--config', config, '--work-path', scratch, 'migrate'], env);
    const args = ['--config', config, '--work-path', scratch, 'web', '--port', String(port)];
    // startSupervisedProcess inherits Node's environment: `env -i` gives Gitea exactly its own.
    const server = startSupervisedProcess('gitea', 'env', ['-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), install.binary, ...args], join(scratch, 'gitea.log'));
    const ready = await waitUntilServing(`http://127.0.0.1:${port}/api/v1/version`, server);
    if (ready) return { process: server, port, config };
    await server.stop();
    if (attempt >= 3 || !/address already in use/.test(server.logTail())) {
      throw new Error(`gitea did not start on 127.0.0.1:${port}:\n${server.logTail()}`);
    }
  }
}

async function runGitea(binary: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      // The command line carries a password: name only the subcommand in errors.
      if (error) reject(new Error(`gitea ${args.filter((a) => !a.startsWith('-')).slice(2, 5).join(' ')} failed: ${stderr.trim().split('\n').slice(-5).join('\n')}`));
      else resolve(stdout);
    });
  });
}

/** Polls GET /api/v1/version until Gitea answers 200; false when the process exits first. */
async function waitUntilServing(url: string, server: SupervisedProcess): Promise<boolean> {
  let exited = false;
  void server.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + 60_000;
  while (!exited && Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!exited) throw new Error(`gitea did not answer ${url} within 60 s:\n${server.logTail()}`);
  return false;
}
