import { describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/manifest-model';
import { planPromotion, type PlanPromotionInput, type PromotionTarget } from './plan-promotion.js';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web # the web tier
spec:
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.4.1
        - name: sidecar
          image: ghcr.io/acme/web-worker:9.9.9
`;
const values = `web:
  image:
    repository: ghcr.io/acme/web
    tag: "1.4.1"
`;

const target: PromotionTarget = {
  app: 'web', env: 'dev', image: 'ghcr.io/acme/web',
  files: [{ path: 'deploy.yaml' }, { path: 'values.yaml', key: 'web.image.tag' }],
  policy: {},
};

function input(overrides: Partial<PlanPromotionInput> = {}): PlanPromotionInput {
  return {
    target, version: { tag: '1.4.2' }, onOlder: 'skip',
    files: new Map([['deploy.yaml', deployment], ['values.yaml', values]]),
    ...overrides,
  };
}

describe('planPromotion', () => {
  it('edits every target file and only the image asked for', () => {
    const plan = planPromotion(input());
    expect(plan.outcome).toBe('change');
    if (plan.outcome !== 'change') return;
    expect(plan.from).toEqual([{ tag: '1.4.1', digest: undefined }]);
    expect(plan.edits.map((e) => e.path)).toEqual(['deploy.yaml', 'values.yaml']);
    const deploy = plan.edits[0]!.content;
    expect(deploy).toBe(deployment.replace('web:1.4.1', 'web:1.4.2'));
    expect(deploy).toContain('web-worker:9.9.9');
    expect(deploy).toContain('# the web tier');
    expect(plan.edits[1]!.content).toBe(values.replace('"1.4.1"', '"1.4.2"'));
    expect(plan.message).toBe('web in dev: 1.4.1 -> 1.4.2');
  });

  it('is a no-op when the version is already in place', () => {
    const files = new Map([['deploy.yaml', deployment.replace('1.4.1', '1.4.2')], ['values.yaml', values.replace('1.4.1', '1.4.2')]]);
    expect(planPromotion(input({ files })).outcome).toBe('unchanged');
  });

  it('changes nothing when a newer version is in place, or refuses when asked to go back explicitly', () => {
    expect(planPromotion(input({ version: { tag: '1.3.0' } }))).toMatchObject({ outcome: 'older', message: expect.stringContaining('1.4.1') });
    expect(planPromotion(input({ version: { tag: '1.3.0' }, onOlder: 'refuse' }))).toMatchObject({ outcome: 'refused', reason: 'downgrade' });
  });

  it('refuses on hold before anything else', () => {
    expect(planPromotion(input({ target: { ...target, hold: { reason: 'freeze' } } }))).toMatchObject({ outcome: 'refused', reason: 'hold' });
  });

  it('reports a missing file and a missing image as target.not-found with the file', () => {
    const missingFile = (() => { try { planPromotion(input({ files: new Map([['deploy.yaml', deployment]]) })); } catch (e) { return e; } })();
    expect(missingFile).toBeInstanceOf(FerryError);
    expect(missingFile).toMatchObject({ code: 'target.not-found', file: 'values.yaml' });
    const otherImage = (() => { try { planPromotion(input({ target: { ...target, image: 'ghcr.io/acme/api' } })); } catch (e) { return e; } })();
    expect(otherImage).toMatchObject({ code: 'target.not-found', file: 'deploy.yaml' });
  });
});
