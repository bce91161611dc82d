import { FerryError } from '@ferry/manifest-model';
import { describe, expect, it } from 'vitest';
import { parseSyncSpec } from '../sync/sync-spec.js';
import { SYNC_SPEC_CASES } from './sync-spec.corpus.js';

describe(`Sync spec: ${SYNC_SPEC_CASES.length} malformed specs`, () => {
  it.each(SYNC_SPEC_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    let error: unknown;
    try {
      parseSyncSpec(c.spec, 'Sync team-a/web');
    } catch (err) {
      error = err;
    }
    expect(error, 'accepted').toBeInstanceOf(FerryError);
    const ferry = error as FerryError;
    expect(ferry.code).toBe('sync.spec');
    // What (the field and why), where (the object) and how (the hint).
    expect(ferry.message).toMatch(new RegExp(`^Sync team-a/web: ${c.field.replace(/\./g, '\\.')}: `));
    expect(ferry.message).toContain(c.says);
    expect(ferry.hint).toContain('fix the Sync object');
  });

  it('the refusals above are not the schema refusing everything: their nearest valid specs parse', () => {
    const url = 'https://git.example.com/acme/config.git';
    expect(parseSyncSpec({ url, ref: { branch: 'release/1.x' }, path: './apps/', interval: '1s', timeout: '24h' }, 'x')).toMatchObject({ path: 'apps', interval: '1s' });
    expect(parseSyncSpec({ url, ref: { tag: 'v1.2.3' }, helm: { chart: 'charts/x', valuesFiles: ['v.yaml'] } }, 'x').helm?.chart).toBe('charts/x');
    expect(parseSyncSpec({ url, helm: { releaseName: 'web.prod-1', chart: './charts/x/', valuesFiles: ['./env/a-b.yaml', 'y.yaml'] }, namespace: 'team-a', kustomize: {} }, 'x')).toMatchObject({
      helm: { releaseName: 'web.prod-1', chart: 'charts/x', valuesFiles: ['env/a-b.yaml', 'y.yaml'] }, namespace: 'team-a', kustomize: { allowRemoteResources: false },
    });
    expect(parseSyncSpec({ url, helm: { values: { image: { tag: '1.2' }, list: [1, 'a,b'] }, crds: 'CreateReplace' } }, 'x').helm).toMatchObject({ values: { image: { tag: '1.2' }, list: [1, 'a,b'] }, crds: 'CreateReplace' });
    expect(parseSyncSpec({ url, helm: {} }, 'x').helm?.crds).toBe('Create');
  });
});
