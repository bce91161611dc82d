import { describe, expect, it } from 'vitest';
import { parseSyncSpec } from './sync-spec.js';

const base = { url: 'https://git.example.com/acme/config.git' };
const oci = { chart: 'oci://registry.example.com/charts/web', version: '1.0.0' };

describe('spec.helm.secretRef', () => {
  it('is taken with an oci:// chart', () => {
    expect(parseSyncSpec({ ...base, helm: { ...oci, secretRef: { name: 'registry' } } }, 'Sync a/b').helm?.secretRef).toEqual({ name: 'registry' });
  });

  it.each([
    [{ chart: 'charts/web', secretRef: { name: 'registry' } }, /spec\.helm\.secretRef: only with an oci:\/\/ chart \(registry credentials\)/],
    [{ ...oci, secretRef: { name: 'Not_A_Name' } }, /spec\.helm\.secretRef\.name: a Secret name/],
    [{ ...oci, secretRef: {} }, /spec\.helm\.secretRef\.name/],
    [{ ...oci, secretRef: { name: 'r', namespace: 'other' } }, /spec\.helm\.secretRef/],
  ])('%j is refused by name', (helm, message) => {
    expect(() => parseSyncSpec({ ...base, helm }, 'Sync a/b')).toThrow(message);
  });
});
