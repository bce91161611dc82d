import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '@ferry/manifest-model';
import { createRegistryClient, type ImageRegistry, type RegistryCredentialSources } from '@ferry/promoter';
import type { CliIo } from '../command.js';

/**
 * The image registry client for `--verify-image` / `--pin-digest` (and ferry.yaml's verifyImage /
 * pinDigest). Credentials are read here, once: FERRY_REGISTRY_USERNAME + FERRY_REGISTRY_PASSWORD,
 * else the Docker config.json in DOCKER_CONFIG or ~/.docker (parsed only if a registry asks).
 */
export async function openImageRegistry(env: CliIo['env']): Promise<ImageRegistry> {
  return createRegistryClient({ credentials: await readRegistryCredentials(env) });
}

export async function readRegistryCredentials(env: CliIo['env']): Promise<RegistryCredentialSources> {
  const username = env['FERRY_REGISTRY_USERNAME'];
  const password = env['FERRY_REGISTRY_PASSWORD'];
  if (username && password) return { explicit: { username, password } };
  if (username || password) {
    throw new FerryError('input.missing-auth', `${username ? 'FERRY_REGISTRY_USERNAME' : 'FERRY_REGISTRY_PASSWORD'} is set without ${username ? 'FERRY_REGISTRY_PASSWORD' : 'FERRY_REGISTRY_USERNAME'}`, {
      hint: 'set both (the password may be a token), or neither to use the Docker config.json',
    });
  }
  const dir = env['DOCKER_CONFIG'] || join(env['HOME'] || homedir(), '.docker');
  const path = join(dir, 'config.json');
  try {
    return { dockerConfig: { path, text: await readFile(path, 'utf8') } };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    // Unreadable: an error only if a registry asks for credentials (the lookup reports it then).
    return { dockerConfig: { path, text: '', error: (err as Error).message } };
  }
}
