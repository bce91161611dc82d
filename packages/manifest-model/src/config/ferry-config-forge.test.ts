// ferry.yaml's `forge:` and `apiUrl:` (the CLI reads them when no flag names the forge).
import { describe, expect, it } from 'vitest';
import { FerryError } from '../errors.js';
import { parseFerryConfig } from './ferry-config.js';

const BASE = 'environments:\n  dev: { branch: main }\n';

describe('ferry.yaml forge and apiUrl', () => {
  it('are optional; gitea with its base URL, github with an Enterprise API', () => {
    expect(parseFerryConfig(BASE)).not.toHaveProperty('forge');
    expect(parseFerryConfig(`forge: gitea\napiUrl: https://gitea.example.com/git\n${BASE}`)).toMatchObject({ forge: 'gitea', apiUrl: 'https://gitea.example.com/git' });
    expect(parseFerryConfig(`forge: github\napiUrl: https://ghe.example.com/api/v3\n${BASE}`)).toMatchObject({ forge: 'github', apiUrl: 'https://ghe.example.com/api/v3' });
  });

  it.each([
    ['forge: gitlab', /forge/],
    ['apiUrl: gitea.example.com', /apiUrl: not an http\(s\) URL/],
    ['apiUrl: ftp://gitea.example.com', /apiUrl: not an http\(s\) URL/],
    ['apiUrl: https://bot:s3cret@gitea.example.com', /apiUrl: not an http\(s\) URL without credentials/],
  ])('refuses %s at its line', (line, message) => {
    const err = (() => {
      try {
        parseFerryConfig(`${line}\n${BASE}`);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('config.invalid');
    expect((err as FerryError).message).toMatch(message);
    expect((err as FerryError).line).toBe(1);
    expect((err as FerryError).message).not.toContain('s3cret');
  });
});
