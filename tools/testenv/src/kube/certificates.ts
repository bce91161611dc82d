// Certificates for a throwaway control plane, made with the openssl CLI: Node has no X.509
// generation API, and openssl ships with every Debian image (the install step installs it if not).
// ECDSA P-256 keys: instant to generate, accepted by kube-apiserver, etcd and kubectl alike.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertificateFiles {
  certPath: string;
  keyPath: string;
}

export interface CertificateAuthority extends CertificateFiles {
  /** PEM of the CA certificate. */
  pem: string;
}

export interface ClientIdentity {
  /** Kubernetes user name (certificate CN). */
  user: string;
  /** Kubernetes groups (certificate O entries); `system:masters` makes an admin. */
  groups?: string[];
}

const keyArgs = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function createCertificateAuthority(dir: string, name = 'ferry-test-ca'): Promise<CertificateAuthority> {
  const certPath = join(dir, 'ca.crt');
  const keyPath = join(dir, 'ca.key');
  await openssl([
    'req', '-x509', ...keyArgs, '-keyout', keyPath, '-out', certPath, '-days', '3650',
    '-subj', `/CN=${escapeSubject(name)}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { certPath, keyPath, pem: await readFile(certPath, 'utf8') };
}

/** A serving certificate for loopback and the in-cluster names of the kubernetes Service. */
export async function issueServingCertificate(ca: CertificateAuthority, dir: string, name: string): Promise<CertificateFiles> {
  const san = 'DNS:localhost,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.0.0.1';
  return issue(ca, dir, name, `/CN=${escapeSubject(name)}`, ['extendedKeyUsage=serverAuth', `subjectAltName=${san}`]);
}

/** A client certificate the apiserver maps to `user` in `groups` (its --client-ca-file is the CA). */
export async function issueClientCertificate(ca: CertificateAuthority, dir: string, fileName: string, identity: ClientIdentity): Promise<CertificateFiles> {
  const subject = [...(identity.groups ?? []).map((group) => `/O=${escapeSubject(group)}`), `/CN=${escapeSubject(identity.user)}`].join('');
  return issue(ca, dir, fileName, subject, ['extendedKeyUsage=clientAuth']);
}

/** The service-account token signing key pair (PEM files). */
export async function createServiceAccountKeys(dir: string): Promise<CertificateFiles> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPath = join(dir, 'sa.key');
  const certPath = join(dir, 'sa.pub');
  await writeFile(keyPath, privateKey.export({ type: 'sec1', format: 'pem' }), { mode: 0o600 });
  await writeFile(certPath, publicKey.export({ type: 'spki', format: 'pem' }));
  return { certPath, keyPath };
}

async function issue(ca: CertificateAuthority, dir: string, name: string, subject: string, extensions: string[]): Promise<CertificateFiles> {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  await openssl([
    'req', '-x509', ...keyArgs, '-keyout', keyPath, '-out', certPath, '-days', '365',
    '-CA', ca.certPath, '-CAkey', ca.keyPath, '-subj', subject,
    '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
    ...extensions.flatMap((extension) => ['-addext', extension]),
  ]);
  return { certPath, keyPath };
}

// openssl's -subj splits on '/' and treats '+' as a multi-value separator; escape them.
function escapeSubject(value: string): string {
  if (value.length === 0) throw new Error('certificate subject values must not be empty');
  return value.replace(/[\\/+=]/g, (char) => `\\${char}`);
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (cause) {
    const stderr = (cause as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || String(cause)}`, { cause });
  }
}
