// The few writes the flux scenario times itself (creating the objects, a reconcile request), sent
// straight to the API server so the clock starts at the request, not at a kubectl start-up.
import { request } from 'node:https';
import { readAdminKubeconfig } from '../lib/kube-api.mjs';

export async function connectWriter(kubeconfigPath) {
  const { base, tls } = await readAdminKubeconfig(kubeconfigPath);
  const send = (method, path, contentType, body) => new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, method, ...tls, headers: { 'content-type': contentType } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => (res.statusCode >= 200 && res.statusCode < 300 ? resolve(JSON.parse(text)) : reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 500)}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
  return {
    create: (collectionPath, object) => send('POST', collectionPath, 'application/json', object),
    mergePatch: (objectPath, patch) => send('PATCH', objectPath, 'application/merge-patch+json', patch),
  };
}
