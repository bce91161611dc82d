// Pushes images to a registry through the OCI distribution API from Node (no docker): blobs by
// monolithic upload, then image manifests, then, for several platforms, an image index under the tag.
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

export interface PushImageOptions {
  /** `os/arch` per platform; two or more push an image index (a multi-arch image). Default one linux/amd64 image. */
  platforms?: string[];
  /** OCI media types (default) or Docker's schema 2 ones. */
  format?: 'oci' | 'docker';
  /** Also push an image index when there is one platform. */
  index?: boolean;
}

export interface PushedImage {
  /** `127.0.0.1:PORT/acme/web` */
  name: string;
  tag: string;
  /** What the tag resolves to: the index digest for a multi-arch image. */
  digest: string;
  mediaType: string;
  /** `name:tag` */
  reference: string;
  /** The per-platform image manifests. */
  manifests: { platform: string; digest: string }[];
}

/** Sends a request to the registry with push rights (the caller adds auth). */
export type RegistryRequest = (repository: string, path: string, init: RequestInit) => Promise<Response>;

export async function pushImage(request: RegistryRequest, host: string, repository: string, tag: string, options: PushImageOptions = {}): Promise<PushedImage> {
  const platforms = options.platforms ?? ['linux/amd64'];
  const docker = options.format === 'docker';
  const manifests: { platform: string; digest: string; size: number }[] = [];
  const single = platforms.length === 1 && !options.index;
  for (const platform of platforms) {
    const [os, architecture] = platform.split('/') as [string, string];
    // Random content: every push is a new image with its own digest.
    const layerData = gzipSync(Buffer.concat([Buffer.from(`${repository}:${tag} ${platform}\n`), randomBytes(32)]));
    const layer = await uploadBlob(request, repository, layerData);
    const config = await uploadBlob(request, repository, Buffer.from(JSON.stringify({
      architecture, os, rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(layerData)}`] }, config: {},
    })));
    const manifest = {
      schemaVersion: 2,
      mediaType: docker ? DOCKER_MANIFEST : OCI_MANIFEST,
      config: { mediaType: docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    };
    const body = Buffer.from(JSON.stringify(manifest));
    const digest = `sha256:${sha256(body)}`;
    await putManifest(request, repository, single ? tag : digest, manifest.mediaType, body);
    manifests.push({ platform, digest, size: body.length });
  }
  if (single) {
    const only = manifests[0]!;
    return { name: `${host}/${repository}`, tag, digest: only.digest, mediaType: docker ? DOCKER_MANIFEST : OCI_MANIFEST, reference: `${host}/${repository}:${tag}`, manifests: [{ platform: only.platform, digest: only.digest }] };
  }
  const mediaType = docker ? DOCKER_MANIFEST_LIST : OCI_INDEX;
  const index = {
    schemaVersion: 2,
    mediaType,
    manifests: manifests.map((m) => {
      const [os, architecture] = m.platform.split('/') as [string, string];
      return { mediaType: docker ? DOCKER_MANIFEST : OCI_MANIFEST, digest: m.digest, size: m.size, platform: { architecture, os } };
    }),
  };
  const body = Buffer.from(JSON.stringify(index));
  const digest = `sha256:${sha256(body)}`;
  await putManifest(request, repository, tag, mediaType, body);
  return { name: `${host}/${repository}`, tag, digest, mediaType, reference: `${host}/${repository}:${tag}`, manifests: manifests.map(({ platform, digest: d }) => ({ platform, digest: d })) };
}

async function uploadBlob(request: RegistryRequest, repository: string, data: Buffer): Promise<{ digest: string; size: number }> {
  const digest = `sha256:${sha256(data)}`;
  const start = await request(repository, `/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  await expectStatus(start, 202, `start blob upload to ${repository}`);
  const location = start.headers.get('location');
  if (!location) throw new Error(`blob upload to ${repository}: no Location header`);
  const target = new URL(location, 'http://registry');
  target.searchParams.set('digest', digest);
  const done = await request(repository, `${target.pathname}${target.search}`, {
    method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream', 'content-length': String(data.length) },
  });
  await expectStatus(done, 201, `finish blob upload to ${repository}`);
  return { digest, size: data.length };
}

async function putManifest(request: RegistryRequest, repository: string, reference: string, mediaType: string, body: Buffer): Promise<void> {
  const response = await request(repository, `/v2/${repository}/manifests/${reference}`, { method: 'PUT', body, headers: { 'content-type': mediaType } });
  await expectStatus(response, 201, `put manifest ${repository}:${reference}`);
}

async function expectStatus(response: Response, status: number, what: string): Promise<void> {
  if (response.status === status) {
    await response.arrayBuffer();
    return;
  }
  throw new Error(`${what}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
