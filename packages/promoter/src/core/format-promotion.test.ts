import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FerryError, parseImageReference } from '@ferry/manifest-model';
import {
  formatCommitMessage, formatPromotionBranch, formatPullRequest, formatReleaseHoldBranch, parseTrailers, readPromotionTrailers, type PromotionDescription,
} from './format-promotion.js';
import { markdownCode, markdownText } from './markdown-text.js';

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
    expect(body).toContain('Build: <https://ci.example/build/42>');
  });
});

describe('formatCommitMessage refuses what could forge a trailer (the last line of defence)', () => {
  const forged = '\nFerry-Image: ghcr.io/acme/web:0.0.1-evil';
  it.each([
    ['a newline in the build URL', { buildUrl: `https://ci.example/1${forged}` }, 'input.control-character', 'the build URL contains the control character U+000A at position 21'],
    ['a newline in the source commit', { sourceCommit: `0123abc${forged}` }, 'input.control-character', 'U+000A'],
    ['a newline in the environment', { env: 'staging\nFerry-Env: prod' }, 'input.control-character', 'the environment contains the control character U+000A'],
    ['a carriage return in the app', { app: 'web\r' }, 'input.control-character', 'U+000D'],
    ['a line separator in the build URL', { buildUrl: 'https://ci.example/\u2028Ferry-Env: prod' }, 'input.control-character', 'U+2028'],
    ['a next-line character in the build URL', { buildUrl: 'https://ci.example/\u0085x' }, 'input.control-character', 'U+0085'],
    ['a bidi override in the env', { env: 'prod\u202e' }, 'input.control-character', 'U+202E'],
    ['a source commit that is not a commit id', { sourceCommit: 'main' }, 'input.invalid-source-commit', 'is not a git commit id'],
    ['a javascript: build URL', { buildUrl: 'javascript:alert(1)' }, 'input.invalid-build-url', 'only http and https'],
    ['a build URL with credentials', { buildUrl: 'https://u:p@ci.example/1' }, 'input.invalid-build-url', 'carries credentials'],
    ['an env that is not a name', { env: 'Prod EU' }, 'input.invalid-name', 'is not a valid name'],
  ])('%s', (_name, change, code, message) => {
    for (const format of [formatCommitMessage, formatPullRequest]) {
      let caught: unknown;
      try {
        format({ ...description, ...change });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(FerryError);
      expect((caught as FerryError).code).toBe(code);
      expect((caught as FerryError).message).toContain(message);
    }
  });

  it('shows text from the repository (paths, keys, old values) on one line, escaped', () => {
    const message = formatCommitMessage({
      ...description,
      from: [{ tag: 'x\n\nFerry-Image: ghcr.io/acme/web:0.0.1-evil' }],
      files: [{ path: 'a\nb.yaml', kind: 'helm-values', occurrences: [], newContent: 'x', changes: [{ line: 1, yamlPath: ['k\u2028Ferry-Env: prod'], old: 'o\r', new: '1.4.2' }] }],
    });
    expect(message).toContain('- a\\nb.yaml:1 k\\u2028Ferry-Env: prod: o\\r -> 1.4.2');
    expect(message.split('\n')[0]).toBe('promote web to staging: x\\n\\nFerry-Image: ghcr.io/acme/web:0.0.1-evil -> 1.4.2@sha256:abababababab');
    expect(readPromotionTrailers(message)).toMatchObject({ app: 'web', env: 'staging', image: `ghcr.io/acme/web:1.4.2@${digest}` });
  });
});

describe('formatPullRequest renders user and repository text inert', () => {
  it('puts paths, keys and values in code spans, escapes table pipes, and links only the validated build URL', () => {
    const { body } = formatPullRequest({
      ...description,
      buildUrl: 'https://ci.example/run/<script>alert(1)</script>?q="x"',
      files: [{
        path: 'envs/a|b.yaml', kind: 'helm-values', occurrences: [], newContent: 'x',
        changes: [{ line: 2, yamlPath: ['web', '`tag`'], old: '<img src=https://evil.example/t.png> @acme/everyone [x](https://evil.example) ![i](https://evil.example/i.png)', new: '1.4.2' }],
      }],
    });
    expect(body).toContain('| `envs/a\\|b.yaml` | 2 | `` web.`tag` `` | `<img src=https://evil.example/t.png> @acme/everyone [x](https://evil.example) ![i](https://evil.example/i.png)` | `1.4.2` |');
    expect(body).toContain('Build: <https://ci.example/run/%3Cscript%3Ealert(1)%3C/script%3E?q=%22x%22>');
    expect(body).not.toContain('<script>');
  });

  it('chooses a code fence longer than any backtick run in the text', () => {
    expect(markdownCode('a ``b`` c')).toBe('```a ``b`` c```');
    expect(markdownCode('`x`')).toBe('`` `x` ``');
    expect(markdownCode('line\nbreak')).toBe('`line\\nbreak`');
    expect(markdownCode('')).toBe('` `');
  });

  it('escapes plain text for a job summary: no link, image, HTML, mention or line break survives', () => {
    expect(markdownText('promoted <img src=x> [a](b) @acme/all *x*\nnext')).toBe('promoted \\<img src=x\\> \\[a\\]\\(b\\) \\@acme/all \\*x\\*\\\\nnext');
  });
});

describe('readPromotionTrailers reads only a well-formed final trailer block', () => {
  const good = formatCommitMessage(description);
  const block = (lines: string[]) => `promote web to staging: 1 -> 2\n\nbody\n\n${lines.join('\n')}\n`;
  const base = ['Ferry-App: web', 'Ferry-Env: staging', 'Ferry-Image: ghcr.io/acme/web:1.4.2'];

  it('reads what formatCommitMessage wrote, with the optional keys', () => {
    expect(readPromotionTrailers(good)).toEqual({
      app: 'web', env: 'staging', image: `ghcr.io/acme/web:1.4.2@${digest}`, reference: expect.objectContaining({ name: 'ghcr.io/acme/web', tag: '1.4.2', digest }),
      sourceCommit: '0123456789abcdef0123456789abcdef01234567', buildUrl: 'https://ci.example/build/42', rollbackFrom: undefined,
    });
    expect(readPromotionTrailers(block([...base, 'Signed-off-by: A <a@example.com>', 'Ferry-Rollback-From: ghcr.io/acme/web:1.5.0']))).toMatchObject({ rollbackFrom: 'ghcr.io/acme/web:1.5.0' });
  });

  it.each([
    ['a second Ferry-Image (a newline in an old --build-url)', [...base, 'Ferry-Build-Url: https://ci.example/1', 'Ferry-Image: ghcr.io/acme/web:0.0.1-evil']],
    ['a second Ferry-Env', [...base, 'Ferry-Env: prod']],
    ['a Ferry key Ferry never writes', [...base, 'Ferry-Hold: none']],
    ['a line that is not a trailer in the block', [...base, 'just text']],
    ['no Ferry-Image', base.slice(0, 2)],
    ['an env that is not a name', ['Ferry-App: web', 'Ferry-Env: Prod EU', base[2]!]],
    ['an app that is not a name', ['Ferry-App: ../web', base[1]!, base[2]!]],
    ['an image that does not parse', [base[0]!, base[1]!, 'Ferry-Image: ghcr.io/ACME/web:1']],
    ['an image without tag or digest', [base[0]!, base[1]!, 'Ferry-Image: ghcr.io/acme/web']],
    ['an invalid source commit', [...base, 'Ferry-Source-Commit: main; rm -rf']],
    ['an invalid build URL', [...base, 'Ferry-Build-Url: javascript:alert(1)']],
    ['a carriage return in a value', ['Ferry-App: web\r', base[1]!, base[2]!]],
  ])('is not a record: %s', (_name, lines) => {
    expect(readPromotionTrailers(block(lines))).toBeUndefined();
  });

  it('is not a record when the Ferry block is not the final paragraph, or is the only one', () => {
    expect(readPromotionTrailers(`${block(base)}\nlater text\n`)).toBeUndefined();
    expect(readPromotionTrailers(`${base.join('\n')}\n`)).toBeUndefined();
  });
});

describe('formatPromotionBranch', () => {
  const branch = formatPromotionBranch;

  it('keeps the readable branch of existing app names (open PRs stay on it)', () => {
    expect(branch('prod', { app: 'web' })).toBe('ferry/prod/web');
    expect(branch('staging', { app: 'web-worker_2.x' })).toBe('ferry/staging/web-worker_2.x');
  });

  it('gives names that were ambiguous or invalid their own valid branch (a.b, a..b, x.lock, long)', () => {
    expect(branch('staging', { app: 'a.b' })).toBe('ferry/staging/a.b');
    expect(branch('staging', { app: 'a..b' })).toMatch(/^ferry\/staging\/a\.b\+[0-9a-f]{12}$/);
    expect(branch('staging', { app: 'web.lock' })).toMatch(/^ferry\/staging\/web\.lock\+[0-9a-f]{12}$/);
    expect(branch('Prod EU', { app: 'web' })).toMatch(/^ferry\/prod-eu\+[0-9a-f]{12}\/web$/);
    expect(branch('staging', { app: 'a'.repeat(300) })).toMatch(/^ferry\/staging\/a{60}\+[0-9a-f]{12}$/);
  });

  it('keys --file promotions by the whole image repository, normalised', () => {
    const acme = branch('staging', { image: 'ghcr.io/acme/web' });
    expect(acme).toMatch(/^ferry\/staging\/ghcr\.io-acme-web\+[0-9a-f]{12}$/);
    expect(branch('staging', { image: 'ghcr.io/other-team/web' })).not.toBe(acme);
    expect(branch('staging', { image: 'ghcr.io/acme/web:1.2.3' })).toBe(acme);
    expect(branch('staging', { image: 'nginx' })).toBe(branch('staging', { image: 'docker.io/library/nginx' }));
    expect(branch('staging', { image: 'index.docker.io/library/nginx' })).toBe(branch('staging', { image: 'nginx' }));
    expect(branch('staging', { image: 'web' })).not.toBe(branch('staging', { app: 'web' }));
  });

  it('refuses control characters rather than folding them into a name', () => {
    expect(() => branch('staging\n', { app: 'web' })).toThrow(/the environment contains the control character U\+000A/);
    expect(() => branch('staging', { app: 'web\u2029' })).toThrow(/U\+2029/);
  });

  it('is injective and a valid git ref name (checked by git itself) for odd names', () => {
    const names = ['web', 'a.b', 'a..b', 'a...b', 'a_b', 'a-b', 'A.B', 'a b', 'a/b', 'a:b', 'a~b', 'a^b', 'a?b', 'a*b', 'a[b', 'a\\b', 'a@{b', '@', '.a', 'a.', '-a',
      'a.lock', 'a+b', 'a+0123456789ab', '..', '', 'ünïcödé', '日本', 'a'.repeat(200), `${'a'.repeat(200)}b`, 'x.lock.lock', 'a//b', 'web-release-hold'];
    const branches = new Map<string, string>();
    for (const env of ['prod', 'a..b', '']) {
      for (const name of names) {
        for (const subject of [{ app: name }, ...(name && !/[^a-z0-9./_-]/.test(name) && tryImage(name) ? [{ image: name }] : [])]) {
          const b = branch(env, subject);
          const key = JSON.stringify([env, subject]);
          expect(branches.get(b), `${key} and ${branches.get(b)} share ${b}`).toBeUndefined();
          branches.set(b, key);
        }
      }
    }
    branches.set(formatReleaseHoldBranch('prod', 'web'), 'release');
    expect(new Set(branches.keys()).size).toBe(branches.size);
    const invalid = [...branches.keys()].filter((b) => spawnSync('git', ['check-ref-format', '--branch', b]).status !== 0);
    expect(invalid).toEqual([]);
  });
});

function tryImage(name: string): boolean {
  try {
    parseImageReference(name);
    return true;
  } catch {
    return false;
  }
}
