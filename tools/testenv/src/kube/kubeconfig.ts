// Self-contained kubeconfig files (certificates inlined). JSON is valid kubeconfig YAML, so no YAML
// library is needed here.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';

export type KubeconfigCredential = { certPath: string; keyPath: string } | { token: string };

export interface WriteKubeconfigOptions {
  path: string;
  server: string;
  caPem: string;
  user: string;
  credential: KubeconfigCredential;
  /** Default namespace of the context. */
  namespace?: string;
}

export async function writeKubeconfig(options: WriteKubeconfigOptions): Promise<string> {
  const { credential } = options;
  const user =
    'token' in credential
      ? { token: credential.token }
      : {
          'client-certificate-data': base64(readFileSync(credential.certPath)),
          'client-key-data': base64(readFileSync(credential.keyPath)),
        };
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'ferry-test', cluster: { server: options.server, 'certificate-authority-data': base64(options.caPem) } }],
    users: [{ name: options.user, user }],
    contexts: [{ name: options.user, context: { cluster: 'ferry-test', user: options.user, ...(options.namespace ? { namespace: options.namespace } : {}) } }],
    'current-context': options.user,
  };
  await writeFile(options.path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return options.path;
}

/** The server URL and CA of a kubeconfig this module wrote (first cluster). */
export function readKubeconfigCluster(path: string): { server: string; caPem: string } {
  const config = JSON.parse(readFileSync(path, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  };
  const cluster = config.clusters[0]?.cluster;
  if (!cluster) throw new Error(`${path}: no cluster entry`);
  return { server: cluster.server, caPem: Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8') };
}

function base64(data: string | Buffer): string {
  return Buffer.from(data).toString('base64');
}
