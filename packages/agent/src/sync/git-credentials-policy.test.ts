import { describe, expect, it } from 'vitest';
import { hostOfUrl, parseGitHosts } from './git-credentials-policy.js';

describe('hostOfUrl', () => {
  it.each([
    ['https://git.example.com/acme/config.git', 'git.example.com:443'],
    ['http://git.example.com/acme/config.git', 'git.example.com:80'],
    ['https://GIT.Example.com.:8443/x', 'git.example.com:8443'],
    ['https://user:pw@git.example.com/x', 'git.example.com:443'],
    ['http://127.1:8080/x', '127.0.0.1:8080'],
    ['http://[::1]:8080/x', '[::1]:8080'],
    ['http://evil.example\\@git.example.com/x', 'evil.example:80'],
    ['ftp://git.example.com/x', undefined],
    ['not a url', undefined],
  ])('%s -> %s', (url, host) => {
    expect(hostOfUrl(url)).toBe(host);
  });
});

describe('parseGitHosts', () => {
  it('reads hosts with and without ports, commas or spaces', () => {
    expect(parseGitHosts('git.example.com, other:8443  127.0.0.1:3000,[::1]', 'https:', 'S')).toEqual(['git.example.com:443', 'other:8443', '127.0.0.1:3000', '[::1]:443']);
    expect(parseGitHosts('git.example.com', 'http:', 'S')).toEqual(['git.example.com:80']);
  });

  it.each(['', ' , ', '*', '*.example.com', 'https://git.example.com', 'git.example.com/acme', 'user@git.example.com', 'host:0', 'host:70000', '-host', 'a b/c'])('refuses %j naming the entry', (annotation) => {
    expect(() => parseGitHosts(annotation, 'https:', 'Secret ns/s')).toThrow(expect.objectContaining({ code: 'sync.secret-hosts', message: expect.stringContaining('Secret ns/s') }));
  });
});
