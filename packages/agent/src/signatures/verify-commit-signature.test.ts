import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitSignedCommit, verifyCommitSignature, type TrustedKeys } from './verify-commit-signature.js';

// Real keys (ssh-keygen, gpg) and real signed commits (git commit -S), verified with the real tools.
const exec = promisify(execFile);
let dir: string;
let gnupg: string;
const commits: Record<string, string> = {};
const keys: { sshTrusted: string; sshOther: string; pgpTrusted: string; pgpOther: string } = { sshTrusted: '', sshOther: '', pgpTrusted: '', pgpOther: '' };

async function git(repo: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await exec('git', args, {
    cwd: repo,
    env: { PATH: process.env['PATH'] ?? '', HOME: dir, GNUPGHOME: gnupg, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@ferry.invalid', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@ferry.invalid', ...env },
  });
  return stdout;
}

async function pgpKey(uid: string): Promise<{ fingerprint: string; armored: string }> {
  await exec('gpg', ['--homedir', gnupg, '--batch', '--passphrase', '', '--quick-gen-key', uid, 'ed25519', 'sign', 'never']);
  const listing = (await exec('gpg', ['--homedir', gnupg, '--batch', '--with-colons', '--list-keys', uid])).stdout;
  const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(listing)?.[1] as string;
  const armored = (await exec('gpg', ['--homedir', gnupg, '--batch', '--armor', '--export', fingerprint])).stdout;
  return { fingerprint, armored };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-sign-'));
  gnupg = join(dir, 'gnupg');
  await exec('mkdir', ['-m', '700', gnupg]);
  for (const name of ['trusted', 'other']) await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(dir, name)]);
  keys.sshTrusted = await readFile(join(dir, 'trusted.pub'), 'utf8');
  keys.sshOther = await readFile(join(dir, 'other.pub'), 'utf8');
  const trusted = await pgpKey('Trusted <trusted@ferry.invalid>');
  const other = await pgpKey('Other <other@ferry.invalid>');
  keys.pgpTrusted = trusted.armored;
  keys.pgpOther = other.armored;

  const repo = join(dir, 'repo');
  await exec('git', ['init', '-q', repo]);
  const commit = async (name: string, sign: string[]) => {
    await writeFile(join(repo, 'f.txt'), name);
    await git(repo, ['add', '.']);
    await git(repo, [...sign, 'commit', '-q', '-m', name]);
    commits[name] = await git(repo, ['cat-file', 'commit', 'HEAD']);
  };
  await commit('unsigned', []);
  await commit('ssh-trusted', ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${join(dir, 'trusted')}`, '-c', 'commit.gpgsign=true']);
  await commit('ssh-other', ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${join(dir, 'other')}`, '-c', 'commit.gpgsign=true']);
  await commit('pgp-trusted', ['-c', `user.signingkey=${trusted.fingerprint}`, '-c', 'commit.gpgsign=true']);
  await commit('pgp-other', ['-c', `user.signingkey=${other.fingerprint}`, '-c', 'commit.gpgsign=true']);
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const verify = (name: string, trusted: TrustedKeys, tamper = false) => {
  const signed = splitSignedCommit(commits[name] as string);
  return verifyCommitSignature(tamper ? { ...signed, payload: signed.payload.replace(name, 'evil') } : signed, trusted, { tmpDir: dir }, `commit ${name}`);
};

describe('verifyCommitSignature (real git, ssh-keygen, gpg)', () => {
  it('applies a commit signed by a trusted SSH key, naming the key', async () => {
    expect(await verify('ssh-trusted', { ssh: [keys.sshOther, keys.sshTrusted] })).toMatchObject({ format: 'ssh', key: expect.stringMatching(/^SHA256:/) });
  });

  it('applies a commit signed by a trusted OpenPGP key', async () => {
    expect(await verify('pgp-trusted', { openpgp: [keys.pgpTrusted] })).toMatchObject({ format: 'openpgp', key: expect.stringMatching(/^[0-9A-F]{40}$/) });
  });

  // Keys are made in beforeAll, so the table names them and they are looked up when each case runs.
  it.each([
    ['unsigned', 'ssh', 'source.unsigned'],
    ['ssh-other', 'ssh', 'source.untrusted-signature'],
    ['pgp-other', 'openpgp', 'source.untrusted-signature'],
    ['ssh-trusted', 'openpgp', 'source.untrusted-signature'],
  ] as const)('refuses %s when only the trusted %s key is trusted', async (name, format, code) => {
    const trusted = format === 'ssh' ? { ssh: [keys.sshTrusted] } : { openpgp: [keys.pgpTrusted] };
    await expect(verify(name, trusted)).rejects.toMatchObject({ code });
  });

  it('refuses a trusted signature over a changed commit', async () => {
    await expect(verify('ssh-trusted', { ssh: [keys.sshTrusted] }, true)).rejects.toMatchObject({ code: 'source.untrusted-signature' });
    await expect(verify('pgp-trusted', { openpgp: [keys.pgpTrusted] }, true)).rejects.toMatchObject({ code: 'source.untrusted-signature' });
  });

  it('refuses cleanly when the verifier exits before reading a large commit (no stray EPIPE)', async () => {
    // A payload far beyond the pipe buffer, and a "verifier" that exits 1 without reading stdin: the
    // write fails with EPIPE, which must not escape as an uncaught exception (vitest fails the run on one).
    const signed = splitSignedCommit(commits['ssh-trusted'] as string);
    const big = { ...signed, payload: signed.payload + 'x'.repeat(4 * 1024 * 1024) };
    await expect(verifyCommitSignature(big, { ssh: [keys.sshTrusted] }, { tmpDir: dir, sshKeygen: '/bin/false' }, 'commit big')).rejects.toMatchObject({ code: 'source.untrusted-signature' });
  });

  it('splits the gpgsig header out of the signed payload', () => {
    const split = splitSignedCommit(commits['ssh-trusted'] as string);
    expect(split.signature).toMatch(/^-----BEGIN SSH SIGNATURE-----\n[\s\S]+-----END SSH SIGNATURE-----\n$/);
    expect(split.payload).not.toContain('gpgsig');
    expect(split.payload).toMatch(/^tree [0-9a-f]{40}\n[\s\S]*\n\nssh-trusted\n$/);
    expect(splitSignedCommit(commits['unsigned'] as string).signature).toBeUndefined();
  });
});
