// A real OCI registry for tests: distribution/distribution v3 (built by `npm run testenv:install`)
// on a loopback port with a temp storage directory and a small YAML config. Anonymous by default;
// htpasswd basic auth, or token auth with the bearer challenge (the token server is ours, the
// verification is the registry's).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePorts } from '../kube/free-ports.js';
import { startSupervisedProcess, type SupervisedProcess } from '../kube/supervised-process.js';
import { bcryptHash } from './bcrypt.js';
import { pushImage, type PushedImage, type PushImageOptions } from './push-image.js';
import { startRegistryProxy, type RegistryProxy } from './registry-proxy.js';
import { findRegistryBinary } from './registry-binary.js';
import { startTokenServer, type RegistryUser, type TokenServer } from './token-server.js';

export type RegistryAuth =
  /** `auth.htpasswd`: every request needs basic credentials (the registry answers `WWW-Authenticate: Basic`). */
  | { kind: 'htpasswd'; users: RegistryUser[] }
  /** `auth.token`: the bearer challenge; anonymous clients may pull when `anonymousPull`. */
  | { kind: 'token'; users: RegistryUser[]; anonymousPull?: boolean };

export interface RegistryOptions {
  auth?: RegistryAuth;
  /** The registry binary; default the cached build (see findRegistryBinary). */
  binary?: string;
}

export interface TestRegistry {
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT, the host part of image names in this registry. */
  host: string;
  /** Present with token auth. */
  tokenServer?: TokenServer;
  /** Pushes a fresh image (random content) as `host/repository:tag`; several platforms push an image index. */
  pushImage(repository: string, tag: string, options?: PushImageOptions): Promise<PushedImage>;
  /** A recording proxy in front of this registry that can inject error answers (closed with the registry). */
  startProxy(): Promise<RegistryProxy>;
  /** The registry's own log (errors, access log), for failure messages. */
  logTail(lines?: number): string;
  close(): Promise<void>;
}

const SERVICE = 'ferry-test-registry';

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const binary = options.binary ?? findRegistryBinary();
  const scratch = await mkdtemp(join(tmpdir(), 'ferry-registry-'));
  const cleanups: (() => Promise<void>)[] = [() => rm(scratch, { recursive: true, force: true })];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    // The push helpers' own identity: a user (htpasswd) or tokens minted directly (token auth).
    const admin = { username: 'ferry-test-admin', password: randomBytes(18).toString('base64url') };
    let tokenServer: TokenServer | undefined;
    let authYaml = '';
    if (options.auth?.kind === 'htpasswd') {
      const htpasswd = join(scratch, 'htpasswd');
      await writeFile(htpasswd, [...options.auth.users, admin].map((u) => `${u.username}:${bcryptHash(u.password)}\n`).join(''));
      authYaml = `auth:\n  htpasswd:\n    realm: ${SERVICE}\n    path: ${htpasswd}\n`;
    } else if (options.auth?.kind === 'token') {
      tokenServer = await startTokenServer({ service: SERVICE, issuer: 'ferry-test-token-issuer', users: options.auth.users, anonymousPull: options.auth.anonymousPull ?? false });
      cleanups.push(() => tokenServer!.close());
      const jwks = join(scratch, 'jwks.json');
      await writeFile(jwks, tokenServer.jwks);
      authYaml = `auth:\n  token:\n    realm: ${tokenServer.realm}\n    service: ${SERVICE}\n    issuer: ferry-test-token-issuer\n    jwks: ${jwks}\n`;
    }

    const { process: registry, port } = await launch(binary, scratch, authYaml);
    cleanups.push(() => registry.stop());
    const url = `http://127.0.0.1:${port}`;
    const host = `127.0.0.1:${port}`;

    const adminAuth = (repository: string): string | undefined => {
      if (options.auth?.kind === 'htpasswd') return `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;
      if (tokenServer) return `Bearer ${tokenServer.mint(admin.username, [{ type: 'repository', name: repository, actions: ['pull', 'push'] }])}`;
      return undefined;
    };
    return {
      url, host, ...(tokenServer ? { tokenServer } : {}),
      pushImage: (repository, tag, pushOptions) => pushImage(async (repo, path, init) => {
        const authorization = adminAuth(repo);
        const headers = new Headers(init.headers);
        if (authorization) headers.set('authorization', authorization);
        return fetch(`${url}${path}`, { ...init, headers });
      }, host, repository, tag, pushOptions),
      async startProxy() {
        const proxy = await startRegistryProxy(url);
        cleanups.push(() => proxy.close());
        return proxy;
      },
      logTail: (lines) => registry.logTail(lines),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Starts the registry on a free port (another one if a racing process took it first) and waits until it answers. */
async function launch(binary: string, scratch: string, authYaml: string): Promise<{ process: SupervisedProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const [port] = (await findFreePorts(1)) as [number];
    const config = join(scratch, `config-${attempt}.yml`);
    await writeFile(config, [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  formatter: text',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(scratch, 'storage')}`,
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      `  secret: ${randomBytes(16).toString('hex')}`,
      authYaml,
    ].join('\n'));
    const registry = startSupervisedProcess('registry', binary, ['serve', config], join(scratch, 'registry.log'));
    const ready = await waitUntilServing(`http://127.0.0.1:${port}/v2/`, registry);
    if (ready) return { process: registry, port };
    await registry.stop();
    if (attempt >= 3 || !/address already in use/.test(registry.logTail())) {
      throw new Error(`the registry did not start on 127.0.0.1:${port}:\n${registry.logTail()}`);
    }
  }
}

/** Polls GET /v2/ (200, or 401 with auth) until the registry answers; false when the process exits first. */
async function waitUntilServing(url: string, registry: SupervisedProcess): Promise<boolean> {
  let exited = false;
  void registry.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + 30_000;
  while (!exited && Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200 || response.status === 401) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!exited) throw new Error(`the registry did not answer ${url} within 30 s:\n${registry.logTail()}`);
  return false;
}
