/**
 * Wires verifyCommitSignature to a Sync: trusted keys from the Secret named by `spec.verify.secretRef`
 * (entries ending `.pub`: OpenSSH keys, one per line; `.asc`/`.gpg`: armored OpenPGP keys), the signed
 * commit read through the git source that fetched it. A commit verified once with the same keys is not verified
 * again (the daemon re-checks every interval).
 */
import { FerryError } from '@ferry/manifest-model';
import { createHash } from 'node:crypto';
import type { GitSource, KubeApi, SyncTarget } from '../ports.js';
import { splitSignedCommit, verifyCommitSignature, type SignatureTools, type TrustedKeys } from './verify-commit-signature.js';

export interface VerifySpec {
  secretRef: { name: string };
}

export type CommitVerifier = (target: SyncTarget, commit: string, verify: VerifySpec) => Promise<void>;

export function createCommitVerifier(kube: KubeApi, source: Pick<GitSource, 'readCommit'>, options: SignatureTools): CommitVerifier {
  const verified = new Set<string>();
  return async (target, commit, verify) => {
    const keys = await readTrustedKeys(kube, target.identity.namespace, verify.secretRef.name);
    const cacheKey = `${target.spec.url}|${commit}|${createHash('sha256').update(JSON.stringify(keys)).digest('hex')}`;
    if (verified.has(cacheKey)) return;
    // The raw object, split here: isomorphic-git's own `payload` is wrong for SSH signatures (it
    // keeps part of the header and the signature).
    const raw = await source.readCommit(target.spec.url, commit);
    await verifyCommitSignature(splitSignedCommit(raw), keys, options, `commit ${commit.slice(0, 12)}`);
    verified.add(cacheKey);
  };
}

/**
 * The reconcile's verify hook (ReconcileDeps.verifyCommit): every target whose spec.verify names a
 * Secret has its head checked by `verifier`; others pass. The daemon and `sync --once` both use it.
 */
export function verifySignedHeads(verifier: CommitVerifier): (target: SyncTarget, commit: string) => Promise<void> {
  return async (target, commit) => {
    if (target.spec.verify) await verifier(target, commit, target.spec.verify);
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
