import { FerryError } from '@ferry/manifest-model';

/** Basic credentials for one registry (sent as Basic auth, or to its token realm). */
export interface RegistryCredential { username: string; password: string }

/**
 * Where registry credentials come from, read once by the program (apps/cli):
 * FERRY_REGISTRY_USERNAME / FERRY_REGISTRY_PASSWORD, else a Docker `config.json` (its `auths`).
 */
export interface RegistryCredentialSources {
  /** FERRY_REGISTRY_USERNAME / FERRY_REGISTRY_PASSWORD: for the registry of the promoted image. */
  explicit?: RegistryCredential | undefined;
  /** A Docker config.json as read from disk; parsed only when a registry asks for credentials. */
  dockerConfig?: { path: string; text: string; /** Why it could not be read. */ error?: string | undefined } | undefined;
}

export interface CredentialLookup {
  credential?: RegistryCredential;
  /** Where it came from, for messages (never the secret itself). */
  source?: string;
  /** Why none was found although the config mentions the host (a credential helper Ferry does not run). */
  note?: string;
}

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** `https://index.docker.io/v1/` and `docker.io` name one registry: the host, Docker Hub's aliases folded. */
export function normalizeRegistryHost(key: string): string {
  const host = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return DOCKER_HUB_ALIASES.has(host) ? 'docker.io' : host;
}

/**
 * A lookup from registry host to credentials. The Docker config is parsed on the first lookup (a
 * promotion that never asks a registry never fails on it); errors name the file.
 */
export function createCredentialLookup(sources: RegistryCredentialSources): (registry: string) => CredentialLookup {
  let parsed: DockerAuths | undefined;
  return (registry) => {
    if (sources.explicit) return { credential: sources.explicit, source: 'FERRY_REGISTRY_USERNAME/FERRY_REGISTRY_PASSWORD' };
    if (!sources.dockerConfig) return {};
    if (sources.dockerConfig.error !== undefined) {
      throw new FerryError('input.invalid-docker-config', `cannot read ${sources.dockerConfig.path}: ${sources.dockerConfig.error}`, { file: sources.dockerConfig.path, hint: 'fix its permissions, point DOCKER_CONFIG elsewhere, or set FERRY_REGISTRY_USERNAME and FERRY_REGISTRY_PASSWORD' });
    }
    parsed ??= parseDockerConfig(sources.dockerConfig.text, sources.dockerConfig.path);
    const host = normalizeRegistryHost(registry);
    const credential = parsed.auths.get(host);
    if (credential) return { credential, source: `${sources.dockerConfig.path} (auths: ${host})` };
    const helper = parsed.helpers.get(host) ?? parsed.store;
    return helper ? { note: `${sources.dockerConfig.path} leaves ${host} to the credential helper docker-credential-${helper}, which Ferry does not run` } : {};
  };
}

interface DockerAuths {
  auths: Map<string, RegistryCredential>;
  /** credHelpers: host -> helper name. */
  helpers: Map<string, string>;
  /** credsStore: the helper for every host. */
  store?: string;
}

/** The `auths` of a Docker config.json: `auth` (base64 of user:password) or `username` + `password`. */
export function parseDockerConfig(text: string, path: string): DockerAuths {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FerryError('input.invalid-docker-config', `${path} is not valid JSON: ${(err as Error).message}`, { file: path, hint: 'fix the file, or point DOCKER_CONFIG at another directory' });
  }
  if (!isRecord(json)) throw new FerryError('input.invalid-docker-config', `${path} is not a JSON object`, { file: path });
  const auths = new Map<string, RegistryCredential>();
  const rawAuths = json['auths'] ?? {};
  if (!isRecord(rawAuths)) throw new FerryError('input.invalid-docker-config', `${path}: "auths" is not an object`, { file: path });
  for (const [key, entry] of Object.entries(rawAuths)) {
    if (!isRecord(entry)) continue;
    const credential = readEntry(entry, key, path);
    if (credential) auths.set(normalizeRegistryHost(key), credential);
  }
  const helpers = new Map<string, string>();
  const rawHelpers = json['credHelpers'];
  if (isRecord(rawHelpers)) for (const [key, helper] of Object.entries(rawHelpers)) if (typeof helper === 'string') helpers.set(normalizeRegistryHost(key), helper);
  const store = typeof json['credsStore'] === 'string' && json['credsStore'] ? json['credsStore'] : undefined;
  return { auths, helpers, ...(store ? { store } : {}) };
}

function readEntry(entry: Record<string, unknown>, key: string, path: string): RegistryCredential | undefined {
  const { auth, username, password } = entry;
  if (typeof auth === 'string' && auth !== '') {
    let decoded: string;
    try {
      decoded = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(auth), (c) => c.charCodeAt(0)));
    } catch {
      throw new FerryError('input.invalid-docker-config', `${path}: auths["${key}"].auth is not base64 of USER:PASSWORD`, { file: path, hint: 'regenerate it with `docker login`' });
    }
    const colon = decoded.indexOf(':');
    if (colon < 1) throw new FerryError('input.invalid-docker-config', `${path}: auths["${key}"].auth does not decode to USER:PASSWORD`, { file: path, hint: 'regenerate it with `docker login`' });
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof username === 'string' && username !== '' && typeof password === 'string') return { username, password };
  // An identitytoken alone (OAuth refresh token) or an empty entry: nothing Ferry can send.
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
