import { describe, expect, it } from 'vitest';
import { formatCommitMessage, type PromotionDescription } from './format-promotion.js';
import { formatGroupCommitMessage, formatGroupPullRequest } from './format-group-promotion.js';
import { formatGroupBranch } from './promotion-branch.js';
import { readPromotionRecordSet, readPromotionTrailers } from './promotion-trailers.js';

const member = (app: string, tag: string, extra: Partial<PromotionDescription> = {}): PromotionDescription => ({
  app, env: 'staging', image: `ghcr.io/acme/${app}`, from: [{ tag: '1.0.0' }], to: { tag },
  files: [{ path: `envs/staging/${app}.yaml`, kind: 'manifests', occurrences: [], newContent: null, changes: [{ line: 9, yamlPath: ['spec', 'image'], old: `ghcr.io/acme/${app}:1.0.0`, new: `ghcr.io/acme/${app}:${tag}` }] }] as unknown as PromotionDescription['files'],
  sourceCommit: 'abc1234', buildUrl: 'https://ci.example/run/1', ...extra,
});

describe('group promotion records', () => {
  const group = formatGroupCommitMessage([member('web', '1.1.0', { buildTime: '2026-01-02T03:04:05Z' }), member('api', '2.0.0'), member('worker', '3.0.0', { gateOverride: 'INC-1' })]);

  it('a group commit reads back as one record per app, in order, each with its own optional trailers', () => {
    const records = readPromotionRecordSet(group)!;
    expect(records.map((r) => [r.app, r.env, r.image, r.buildTime, r.gateOverride, r.sourceCommit])).toEqual([
      ['web', 'staging', 'ghcr.io/acme/web:1.1.0', '2026-01-02T03:04:05Z', undefined, 'abc1234'],
      ['api', 'staging', 'ghcr.io/acme/api:2.0.0', undefined, undefined, 'abc1234'],
      ['worker', 'staging', 'ghcr.io/acme/worker:3.0.0', undefined, 'INC-1', 'abc1234'],
    ]);
    expect(group.split('\n')[0]).toBe('promote web, api, worker to staging');
    // The single-app reader (and so every older reader) never takes a group commit for one app's record.
    expect(readPromotionTrailers(group)).toBeUndefined();
  });

  it('a single-app commit reads as exactly the one record readPromotionTrailers reads (backwards compatible)', () => {
    const single = formatCommitMessage(member('web', '1.1.0'));
    expect(readPromotionRecordSet(single)).toEqual([readPromotionTrailers(single)]);
    expect(formatGroupCommitMessage([member('web', '1.1.0')])).toBe(single);
    // Key order inside a single-app block does not matter, as before.
    const reordered = single.replace('Ferry-App: web\nFerry-Env: staging', 'Ferry-Env: staging\nFerry-App: web');
    expect(readPromotionRecordSet(reordered)).toEqual([readPromotionTrailers(single)]);
  });

  it.each([
    ['a Ferry key before the first Ferry-App', (m: string) => m.replace('Ferry-App: web\n', 'Ferry-Build-Url: https://x.example/\nFerry-App: web\n')],
    ['one app twice', (m: string) => m.replace('Ferry-App: worker', 'Ferry-App: web')],
    ['two environments', (m: string) => m.replace(/Ferry-Env: staging(?![\s\S]*Ferry-Env)/, 'Ferry-Env: prod')],
    ['an app without its image', (m: string) => m.replace('Ferry-Image: ghcr.io/acme/api:2.0.0\n', '')],
    ['an app with two images', (m: string) => m.replace('Ferry-Image: ghcr.io/acme/api:2.0.0\n', 'Ferry-Image: ghcr.io/acme/api:2.0.0\nFerry-Image: ghcr.io/acme/api:2.0.1\n')],
    ['an unknown Ferry key', (m: string) => m.replace('Ferry-App: api\n', 'Ferry-App: api\nFerry-Whatever: x\n')],
    ['an invalid value in one app', (m: string) => m.replace('Ferry-Image: ghcr.io/acme/api:2.0.0', 'Ferry-Image: ghcr.io/acme/api')],
    ['trailers that are not the final paragraph', (m: string) => `${m}\nmore text\n`],
  ])('is strict: %s is not a record at all', (_, damage) => {
    const damaged = damage(group);
    expect(damaged).not.toBe(group);
    expect(readPromotionRecordSet(damaged)).toBeUndefined();
  });

  it('other trailers (Co-authored-by) belong to no app and are ignored', () => {
    expect(readPromotionRecordSet(`${group}Co-authored-by: A <a@example.com>\n`)?.map((r) => r.app)).toEqual(['web', 'api', 'worker']);
  });

  it('the branch is keyed by the set of apps, any order, apart from every app branch', () => {
    expect(formatGroupBranch('staging', ['web', 'api'])).toBe(formatGroupBranch('staging', ['api', 'web']));
    expect(formatGroupBranch('staging', ['web', 'api'])).not.toBe(formatGroupBranch('staging', ['web', 'api', 'worker']));
    expect(formatGroupBranch('staging', ['web', 'api'])).toMatch(/^ferry\/staging\/group\+[0-9a-f]{12}$/);
  });

  it('the pull request lists every app; repository text stays inert', () => {
    const pr = formatGroupPullRequest([member('web', '1.1.0'), member('api', '2.0.0')], ['web', 'api']);
    expect(pr.title).toBe('Promote web 1.1.0, api 2.0.0 to staging');
    expect(pr.body).toContain('<!-- ferry:promotion env=staging group=api,web -->');
    expect(pr.body).toContain('| **web** | `1.0.0` | `1.1.0` | `ghcr.io/acme/web:1.1.0` |');
    expect(pr.body).toContain('| api | `envs/staging/api.yaml` | 9 |');
  });

  it('refuses a group across environments or naming an app twice', () => {
    expect(() => formatGroupCommitMessage([member('web', '1.1.0'), { ...member('api', '2.0.0'), env: 'prod' }])).toThrow(/one environment/);
    expect(() => formatGroupCommitMessage([member('web', '1.1.0'), member('web', '1.2.0')])).toThrow(/twice/);
  });
});
