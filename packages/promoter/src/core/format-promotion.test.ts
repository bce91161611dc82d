import { describe, expect, it } from 'vitest';
import { formatCommitMessage, formatPromotionBranch, formatPullRequest, parseTrailers, type PromotionDescription } from './format-promotion.js';

const digest = `sha256:${'ab'.repeat(32)}`;
const description: PromotionDescription = {
  app: 'web', env: 'staging', image: 'ghcr.io/acme/web',
  from: [{ tag: '1.4.1' }], to: { tag: '1.4.2', digest },
  files: [{
    path: 'envs/staging/values.yaml', kind: 'helm-values', occurrences: [], newContent: 'x',
    changes: [{ line: 4, yamlPath: ['web', 'image', 'tag'], old: '1.4.1', new: '1.4.2' }],
  }],
  sourceCommit: '0123456789abcdef0123456789abcdef01234567',
  buildUrl: 'https://ci.example/build/42',
};

describe('formatCommitMessage', () => {
  it('says old -> new, lists the edits, and ends with searchable trailers', () => {
    const message = formatCommitMessage(description);
    expect(message.split('\n')[0]).toBe('promote web to staging: 1.4.1 -> 1.4.2@sha256:abababababab');
    expect(message).toContain('- envs/staging/values.yaml:4 web.image.tag: 1.4.1 -> 1.4.2');
    expect(message).toContain('Source commit: 0123456789abcdef0123456789abcdef01234567');
    expect(message).toContain('Build: https://ci.example/build/42');
    expect(parseTrailers(message)).toEqual({
      'Ferry-App': 'web',
      'Ferry-Env': 'staging',
      'Ferry-Image': `ghcr.io/acme/web:1.4.2@${digest}`,
      'Ferry-Source-Commit': '0123456789abcdef0123456789abcdef01234567',
      'Ferry-Build-Url': 'https://ci.example/build/42',
    });
  });

  it('omits build lines it does not know', () => {
    const message = formatCommitMessage({ ...description, sourceCommit: undefined, buildUrl: undefined });
    expect(message).not.toMatch(/Source commit|Build:|Ferry-Source-Commit/);
    expect(Object.keys(parseTrailers(message))).toEqual(['Ferry-App', 'Ferry-Env', 'Ferry-Image']);
  });
});

describe('formatPullRequest', () => {
  it('has a title with the new version and a table of changes', () => {
    const { title, body } = formatPullRequest(description);
    expect(title).toBe('Promote web to staging: 1.4.2@sha256:abababababab');
    expect(body).toContain('<!-- ferry:promotion env=staging app=web -->');
    expect(body).toContain('| `envs/staging/values.yaml` | 4 | `web.image.tag` | `1.4.1` | `1.4.2` |');
    expect(body).toContain('Build: https://ci.example/build/42');
  });
});

describe('formatPromotionBranch', () => {
  it('is deterministic per (env, app) and a valid ref name', () => {
    expect(formatPromotionBranch('prod', 'web')).toBe('ferry/prod/web');
    expect(formatPromotionBranch('prod', 'web')).toBe(formatPromotionBranch('prod', 'web'));
    expect(formatPromotionBranch('Prod EU', '..weird..name~^:')).toBe('ferry/prod-eu/weird.name');
  });
});
