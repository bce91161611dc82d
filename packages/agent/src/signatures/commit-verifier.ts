/**
 * Wires verifyCommitSignature to a Sync: trusted keys from the Secret named by `spec.verify.secretRef`
 * (entries ending `.pub`: OpenSSH keys, one per line; `.asc`/`.gpg`: armored OpenPGP keys), the signed
 * commit read from the agent's git cache. A commit verified once with the same keys is not verified
 * again (the daemon re-checks every interval).
 */
import { FerryError } from '@ferry/manifest-model';
import git from 'isomorphic-git';
import * as fs from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { KubeApi } from '../adapters/kube-client.js';
import type { SyncTarget } from '../reconcile/reconcile-sync.js';
import { splitSignedCommit, verifyCommitSignature, type SignatureTools, type TrustedKeys } from './verify-commit-signature.js';

export interface VerifySpec {
  secretRef: { name: string };
}

export type CommitVerifier = (target: SyncTarget, commit: string, verify: VerifySpec) => Promise<void>;

export function createCommitVerifier(kube: KubeApi, options: { cacheDir: string } & SignatureTools): CommitVerifier {
  const verified = new Set<string>();
  const gitdirs = new Map<string, string>();

  // The git source keeps one bare repository per URL under cacheDir, its origin set to the URL.
  const gitdirOf = async (url: string): Promise<string> => {
    const known = gitdirs.get(url);
    if (known) return known;
    for (const name of await readdir(options.cacheDir).catch(() => [] as string[])) {
      if (!name.endsWith('.git')) continue;
      const gitdir = join(options.cacheDir, name);
      const origin = await git.getConfig({ fs, gitdir, path: 'remote.origin.url' }).catch(() => undefined);
      if (origin === url) {
        gitdirs.set(url, gitdir);
        return gitdir;
      }
    }
    throw new FerryError('source.verify-cache', `the fetched repository ${url} is not in the git cache ${options.cacheDir}`);
  };

  return async (target, commit, verify) => {
    const keys = await readTrustedKeys(kube, target.identity.namespace, verify.secretRef.name);
    const cacheKey = `${target.spec.url}|${commit}|${createHash('sha256').update(JSON.stringify(keys)).digest('hex')}`;
    if (verified.has(cacheKey)) return;
    // The raw object, split here: isomorphic-git's own `payload` is wrong for SSH signatures (it
    // keeps part of the header and the signature).
    const raw = await git.readObject({ fs, gitdir: await gitdirOf(target.spec.url), oid: commit, format: 'content' });
    if (raw.type !== 'commit') throw new FerryError('source.verify-object', `${commit} is a ${raw.type}, not a commit`);
    await verifyCommitSignature(splitSignedCommit(Buffer.from(raw.object as Uint8Array).toString('utf8')), keys, options, `commit ${commit.slice(0, 12)}`);
    verified.add(cacheKey);
  };
}

async function readTrustedKeys(kube: KubeApi, namespace: string, name: string): Promise<TrustedKeys> {
  const secret = await kube.get({ apiVersion: 'v1', kind: 'Secret', namespace, name });
  if (!secret) throw new FerryError('sync.secret-not-found', `Secret ${namespace}/${name} named by spec.verify.secretRef does not exist`, { hint: 'create it with public keys: NAME.pub (OpenSSH) or NAME.asc (OpenPGP)' });
  const data = (secret.data ?? {}) as Record<string, string>;
  const keys: Required<TrustedKeys> = { ssh: [], openpgp: [] };
  for (const [entry, value] of Object.entries(data)) {
    const text = Buffer.from(value, 'base64').toString('utf8');
    if (entry.endsWith('.pub')) keys.ssh.push(...text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
    else if (entry.endsWith('.asc') || entry.endsWith('.gpg')) keys.openpgp.push(text);
  }
  if (!keys.ssh.length && !keys.openpgp.length) {
    throw new FerryError('sync.verify-keys', `Secret ${namespace}/${name} holds no public key (entries ending .pub, .asc or .gpg)`);
  }
  return keys;
}
