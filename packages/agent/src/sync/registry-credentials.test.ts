import { FerryError } from '@ferry/manifest-model';
import { describe, expect, it } from 'vitest';
import { readRegistryConfig, registryConfigFor } from './registry-credentials.js';

const chart = 'oci://Registry.example.com:5000/charts/web';
const b64 = (text: string) => Buffer.from(text).toString('base64');
const config = (auths: Record<string, unknown>) => JSON.stringify({ auths });
const cut = (text: string) => JSON.parse(registryConfigFor(text, chart, 'the config', 'fix it')) as { auths: Record<string, { auth: string }> };

describe('registryConfigFor', () => {
  it('keeps only the chart host\'s entry, whatever form its key takes; username+password become auth', () => {
    const other = { 'ghcr.io': { auth: b64('a:b') } };
    for (const key of ['registry.example.com:5000', 'https://registry.example.com:5000', 'https://REGISTRY.example.com:5000/v2/']) {
      expect(cut(config({ ...other, [key]: { auth: b64('u:p') } }))).toEqual({ auths: { 'registry.example.com:5000': { auth: b64('u:p') } } });
    }
    expect(cut(config({ 'registry.example.com:5000': { username: 'u', password: 'p' } }))).toEqual({ auths: { 'registry.example.com:5000': { auth: b64('u:p') } } });
  });

  it.each([
    ['not json', 'sync.secret-invalid', /not a Docker config with "auths"/],
    [config({ 'registry.example.com': { auth: b64('u:p') } }), 'sync.secret-host-denied', /no credentials for the chart's registry registry\.example\.com:5000 \(it has registry\.example\.com\)/],
    [config({ 'registry.example.com:5000': { email: 'x' } }), 'sync.secret-invalid', /neither "auth" nor "username" and "password"/],
  ])('%s is refused', (text, code, message) => {
    let error: unknown;
    try {
      registryConfigFor(text, chart, 'the config', 'fix it');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe(code);
    expect((error as FerryError).message).toMatch(message);
    expect((error as FerryError).message).not.toContain(b64('u:p'));
  });
});

describe('readRegistryConfig', () => {
  const kube = (secret: Record<string, unknown> | undefined) => ({ get: async () => secret as never });
  it('names a missing Secret and one of another type', async () => {
    await expect(readRegistryConfig(kube(undefined), 'team', 'reg', chart)).rejects.toThrow(/Secret team\/reg named by spec.helm.secretRef does not exist/);
    await expect(readRegistryConfig(kube({ type: 'Opaque', data: { password: b64('x') } }), 'team', 'reg', chart)).rejects.toThrow(/is of type Opaque without the key \.dockerconfigjson, not kubernetes\.io\/dockerconfigjson/);
    const secret = { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(config({ 'registry.example.com:5000': { auth: b64('u:p') } })) } };
    expect(JSON.parse(await readRegistryConfig(kube(secret), 'team', 'reg', chart))).toEqual({ auths: { 'registry.example.com:5000': { auth: b64('u:p') } } });
  });
});
