import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it.each([
    ['credentials', 'https://x-access-token:ghp_secret@github.example/acme/config.git', 'https://github.example/acme/config.git'],
    ['a user only', 'https://bob@git.example:8443/x.git', 'https://git.example:8443/x.git'],
    ['a token in the query', 'https://git.example/x.git?access_token=secret#frag', 'https://git.example/x.git'],
    ['nothing to hide', 'http://127.0.0.1:9418/acme/config.git', 'http://127.0.0.1:9418/acme/config.git'],
    ['not a URL', 'user:secret@host:path', '(url)'],
    ['not a URL either', 'no url at all', '(url)'],
    ['another scheme', 'ssh://git:secret@git.example/acme/x.git', 'ssh://git.example/acme/x.git'],
    ['a local repository', 'file:///srv/git/x.git', 'file:///srv/git/x.git'],
  ])('%s', (_name, url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});
