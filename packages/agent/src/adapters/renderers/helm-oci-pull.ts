import { FerryError, redactSecrets } from '@ferry/manifest-model';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ociChartHost } from '../../sync/sync-spec.js';
import type { RenderRequest } from './renderer.js';
import { renderToolEnv } from './render-tool-env.js';
import { defaultToolTimeoutMs, runTool } from './run-tool.js';

export interface OciChart {
  /** `oci://HOST[:PORT]/REPOSITORY`, checked by the Sync schema. */
  chart: string;
  version: string;
  /** `sha256:...` when the Sync pins one. */
  digest?: string | undefined;
}

export interface PulledChart {
  /** The chart archive in the cache (`<cache>/<hex>.tgz`). */
  path: string;
  /** The manifest digest helm reported (`sha256:...`). */
  digest: string;
  /** False when a pinned digest was already in the cache: no network at all. */
  pulled: boolean;
}

/**
 * Per process: the key that names the cache of charts pulled with credentials, one directory per
 * credentials (`<cache>/private-<HMAC>`), so a chart a registry gave to one Secret is never handed
 * to a Sync without it (a pinned digest would otherwise be served from the cache with no request).
 */
const privateCacheKey = randomBytes(32);

/** Only loopback registries may be spoken to over plain HTTP (a test or a port-forward); every other one is HTTPS. */
export function isLoopbackHost(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '[::1]' || /^127(\.\d{1,3}){3}$/.test(name);
}

/**
 * The environment of the pull: the render's clean one without network (render-tool-env.ts), with
 * one exception, the chart's registry host (NO_PROXY): every other request goes to the closed proxy.
 */
export function ociPullEnv(home: string, host: string): Record<string, string> {
  return { ...renderToolEnv(home, false), NO_PROXY: host, no_proxy: host };
}

/**
 * Pulls an `oci://` chart with `helm pull` in a step of its own, before (and apart from) the render,
 * which stays without network. Charts are kept by digest: a pinned digest already in the cache is
 * used without asking the registry; otherwise the version is pulled (an OCI tag can move) and helm's
 * digest checked against the pin. A mismatch is refused and nothing is kept.
 */
export async function pullOciChart(request: Pick<RenderRequest, 'tools' | 'tmpDir' | 'registryConfig'>, oci: OciChart): Promise<PulledChart> {
  const registryConfig = request.registryConfig ? await request.registryConfig() : undefined;
  const sharedCache = request.tools.chartCacheDir ?? join(request.tmpDir, 'ferry-charts');
  const cacheDir = registryConfig === undefined ? sharedCache : join(sharedCache, `private-${createHmac('sha256', privateCacheKey).update(registryConfig).digest('hex').slice(0, 32)}`);
  if (oci.digest) {
    const cached = join(cacheDir, `${oci.digest.slice('sha256:'.length)}.tgz`);
    if (await isFile(cached)) return { path: cached, digest: oci.digest, pulled: false };
  }
  const helm = request.tools.helm;
  if (!helm) throw new FerryError('render.tool-missing', 'pulling an oci:// chart needs the helm binary', { hint: 'pass --helm <path> (or FERRY_HELM)' });
  const host = ociChartHost(oci.chart);
  const dir = await mkdtemp(join(request.tmpDir, 'ferry-pull-'));
  try {
    const home = join(dir, 'home');
    const destination = join(dir, 'out');
    await mkdir(join(home, 'tmp'), { recursive: true });
    await mkdir(destination);
    const args = ['pull', `--version=${oci.version}`, `--destination=${destination}`];
    if (registryConfig !== undefined) {
      // In the pull's private directory (mode 0700 from mkdtemp), removed with it; never on argv or in a log.
      const configPath = join(dir, 'registry-config.json');
      await writeFile(configPath, registryConfig, { mode: 0o600 });
      args.push(`--registry-config=${configPath}`);
    }
    if (isLoopbackHost(host)) args.push('--plain-http');
    args.push('--', oci.chart);
    const timeoutMs = request.tools.timeoutMs ?? defaultToolTimeoutMs;
    const result = await runTool(helm, args, { cwd: dir, env: ociPullEnv(home, host), timeoutMs, maxOutputBytes: 1024 * 1024 });
    const label = `helm pull ${oci.chart} --version ${oci.version}`;
    if (result.timedOut) throw new FerryError('render.helm-pull', `${label}: timed out after ${Math.round(timeoutMs / 1000)} s`, { hint: 'the registry is slow or unreachable; the next reconcile tries again' });
    const output = `${result.stdout}\n${result.stderr}`;
    if (result.code !== 0) {
      const why = firstLine(result.stderr) || `exit code ${result.code}`;
      // Not there, or refused: a human must fix the Sync or the registry. Anything else (refused
      // connection, 5xx, DNS): retried.
      const needsFix = /not found|unauthorized|denied|forbidden|invalid reference|manifest unknown|name unknown/i.test(result.stderr);
      throw new FerryError(needsFix ? 'render.helm-pull-failed' : 'render.helm-pull', `${label}: ${why}`, {
        hint: !needsFix ? 'the next reconcile tries again; nothing was applied'
          : /unauthorized|denied|forbidden|credential/i.test(result.stderr)
            ? registryConfig === undefined
              ? 'the registry wants credentials: name a kubernetes.io/dockerconfigjson Secret in spec.helm.secretRef (sync --once: --helm-registry-config FILE); nothing was applied'
              : 'the registry refused the credentials of spec.helm.secretRef (or --helm-registry-config): check the user, password and its access to this chart; nothing was applied'
            : 'check spec.helm.chart and spec.helm.version; nothing was applied',
      });
    }
    const digest = /^Digest: (sha256:[a-f0-9]{64})\s*$/m.exec(output)?.[1];
    if (!digest) throw new FerryError('render.helm-pull', `${label}: helm printed no chart digest`, { hint: 'the next reconcile tries again; nothing was applied' });
    if (oci.digest && digest !== oci.digest) {
      throw new FerryError('render.helm-chart-digest', `spec.helm.digest: ${oci.chart}:${oci.version} is ${digest} in the registry, not the pinned ${oci.digest}`, {
        hint: 'the version was pushed again or the registry serves something else: check it, then update spec.helm.digest; nothing was applied or pruned',
      });
    }
    const archives = (await readdir(destination)).filter((f) => f.endsWith('.tgz'));
    if (archives.length !== 1) throw new FerryError('render.helm-pull', `${label}: expected one chart archive, found ${archives.length}`, { hint: 'nothing was applied' });
    await mkdir(cacheDir, { recursive: true, mode: 0o700 });
    const path = join(cacheDir, `${digest.slice('sha256:'.length)}.tgz`);
    // A rename in the same file system: another reconcile reading the cache sees a whole archive or none.
    await rename(join(destination, archives[0]!), path).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EXDEV') throw error;
      const { copyFile } = await import('node:fs/promises');
      const partial = `${path}.${process.pid}.partial`;
      await copyFile(join(destination, archives[0]!), partial);
      await rename(partial, path);
    });
    return { path, digest, pulled: true };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function firstLine(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  return redactSecrets(line).slice(0, 300);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
