/**
 * Commit signature verification against keys trusted per Sync: SSH keys (checked with
 * `ssh-keygen -Y verify`, the tool git itself uses) and OpenPGP keys (checked with `gpg` in a
 * throwaway keyring holding only the trusted keys). An unsigned commit, or one signed by any other
 * key, is refused with a FerryError whose code says which (`source.` codes are Stalled: a human must
 * sign, or trust the key).
 *
 * Wired to Syncs by commit-verifier.ts (spec.verify), called by reconcile right after fetch.
 */
import { FerryError } from '@ferry/manifest-model';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface SignedCommit {
  /** The commit object without its signature header: what was signed. */
  payload: string;
  /** The armored signature (`-----BEGIN SSH SIGNATURE-----` or `-----BEGIN PGP SIGNATURE-----`). */
  signature?: string;
}

export interface TrustedKeys {
  /** OpenSSH public keys, one per entry (`ssh-ed25519 AAAA... comment`). */
  ssh?: string[];
  /** ASCII-armored OpenPGP public keys. */
  openpgp?: string[];
}

export interface SignatureTools {
  sshKeygen?: string;
  gpg?: string;
  tmpDir: string;
}

export interface SignatureVerdict {
  format: 'ssh' | 'openpgp';
  /** SSH key fingerprint (SHA256:...) or OpenPGP primary key fingerprint. */
  key: string;
}

/** Splits a raw commit object into the signed payload and the `gpgsig` header's signature. */
export function splitSignedCommit(raw: string): SignedCommit {
  const headerEnd = raw.indexOf('\n\n');
  const header = headerEnd >= 0 ? raw.slice(0, headerEnd) : raw;
  const body = headerEnd >= 0 ? raw.slice(headerEnd) : '';
  const lines = header.split('\n');
  const kept: string[] = [];
  const signature: string[] = [];
  let inSignature = false;
  for (const line of lines) {
    if (line.startsWith('gpgsig ') || line.startsWith('gpgsig-sha256 ')) {
      inSignature = true;
      signature.push(line.slice(line.indexOf(' ') + 1));
    } else if (inSignature && line.startsWith(' ')) {
      signature.push(line.slice(1));
    } else {
      inSignature = false;
      kept.push(line);
    }
  }
  const payload = `${kept.join('\n')}${body}`;
  return signature.length ? { payload, signature: `${signature.join('\n')}\n` } : { payload };
}

export async function verifyCommitSignature(commit: SignedCommit, keys: TrustedKeys, tools: SignatureTools, what = 'the commit'): Promise<SignatureVerdict> {
  if (!commit.signature) {
    throw new FerryError('source.unsigned', `${what} is not signed; this Sync only applies commits signed by a trusted key`, { hint: 'sign the commit (git commit -S) with a key listed in spec.verify' });
  }
  const work = await mkdtemp(join(tools.tmpDir, 'ferry-verify-'));
  try {
    if (commit.signature.includes('-----BEGIN SSH SIGNATURE-----')) {
      const key = keys.ssh?.length ? await verifySsh(commit, keys.ssh, tools.sshKeygen ?? 'ssh-keygen', work) : undefined;
      if (key) return { format: 'ssh', key };
    } else if (commit.signature.includes('-----BEGIN PGP SIGNATURE-----')) {
      const key = keys.openpgp?.length ? await verifyOpenPgp(commit, keys.openpgp, tools.gpg ?? 'gpg', work) : undefined;
      if (key) return { format: 'openpgp', key };
    }
    throw new FerryError('source.untrusted-signature', `${what} is signed, but not by a trusted key (or the signature does not match); nothing was applied`, { hint: 'sign with a key listed in spec.verify, or add the signer\'s public key' });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function verifySsh(commit: SignedCommit, keys: string[], sshKeygen: string, work: string): Promise<string | undefined> {
  // Principal "*" with the git namespace: any trusted key, for git signatures only.
  const allowed = keys.map((k) => `* namespaces="git" ${k.trim()}`).join('\n');
  await writeFile(join(work, 'allowed_signers'), `${allowed}\n`);
  await writeFile(join(work, 'commit.sig'), commit.signature as string);
  const result = await run(sshKeygen, ['-Y', 'verify', '-f', join(work, 'allowed_signers'), '-I', 'git', '-n', 'git', '-s', join(work, 'commit.sig')], commit.payload);
  if (result.code !== 0) return undefined;
  return /key (SHA256:\S+)/.exec(result.stdout + result.stderr)?.[1] ?? 'ssh';
}

async function verifyOpenPgp(commit: SignedCommit, keys: string[], gpg: string, work: string): Promise<string | undefined> {
  const home = join(work, 'gnupg');
  const base = ['--homedir', home, '--batch', '--no-tty', '--no-autostart', '--no-auto-key-retrieve'];
  await mkdir(home, { mode: 0o700 });
  await writeFile(join(work, 'keys.asc'), keys.join('\n'));
  const imported = await run(gpg, [...base, '--import', join(work, 'keys.asc')], '');
  if (imported.code !== 0) throw new FerryError('source.invalid-key', `an OpenPGP key in spec.verify cannot be imported: ${imported.stderr.trim().split('\n').pop() ?? ''}`);
  await writeFile(join(work, 'commit.sig'), commit.signature as string);
  await writeFile(join(work, 'payload'), commit.payload);
  // The keyring holds only trusted keys, so any VALIDSIG is by one of them.
  const result = await run(gpg, [...base, '--status-fd', '1', '--verify', join(work, 'commit.sig'), join(work, 'payload')], '');
  const valid = /^\[GNUPG:\] VALIDSIG \S+ \S+ \S+ \S+ \S+ \S+ \S+ \S+ \S+ (\S+)/m.exec(result.stdout);
  return result.code === 0 && valid ? valid[1] : undefined;
}

function run(file: string, args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(new FerryError('source.verify-tool', `cannot run ${file}: ${error.message}`, { hint: 'the agent image must carry ssh-keygen and gpg for spec.verify' }));
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
    // A verifier that exits before reading all its input (a refused signature) closes the pipe: the
    // EPIPE is expected, and the exit code tells the outcome.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
  });
}
