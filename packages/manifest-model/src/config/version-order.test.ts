import { describe, expect, it } from 'vitest';
import { FerryError } from '../errors.js';
import { parseFerryConfig, resolveAppEnvironment } from './ferry-config.js';
import { explainInvalidOrderPattern, extractOrderNumber } from './version-order.js';

describe('order patterns', () => {
  it.each([
    '^main-[0-9a-f]+-(?<run>[0-9]+)$',
    '^(?<n>\\d+)$',
    '^v?[0-9]+\\.[0-9]+\\.(?<build>[0-9]+)$',
    '^build-(?<n>[0-9]{1,10})-[a-z]*$',
  ])('accepts %s', (pattern) => expect(explainInvalidOrderPattern(pattern)).toBeUndefined());

  it.each<[string, RegExp]>([
    ['', /empty/],
    ['^main-(?<run>[0-9+$', /not a valid regular expression/],
    ['^main-[0-9]+$', /no named group/],
    ['^(?<sha>[0-9a-f]+)-(?<run>[0-9]+)$', /2 named groups \(sha, run\)/],
    ['^(?<n>(a+)+)$', /repeats a group that holds a quantifier/],
    ['^(?<n>\\d+)*$', /repeats a group that holds a quantifier/],
    ['^(?<n>(a|ab)*)c$', /repeats a group that holds an alternation/],
    ['^(?<n>(?:\\d+)+)$', /repeats a group that holds a quantifier/],
    ['^v?(?:[0-9]+\\.){2}(?<n>[0-9]+)$', /repeats a group that holds a quantifier/],
    ['^(?<n>a)\\1$', /backreference/],
    ['^(?<n>a)\\k<n>$', /backreference/],
    ['^(?=a)(?<n>a)$', /lookahead/],
    ['^.*.*.*(?<n>.*)x$', /too many quantifiers \(4\)/],
    ['^a?a?a?.*.*(?<n>.*)x$', /too many quantifiers \(6\)/],
    ['x'.repeat(300), /at most 256/],
  ])('refuses %s', (pattern, why) => expect(explainInvalidOrderPattern(pattern)).toMatch(why));

  it('the worst pattern it accepts runs quickly on the longest tag', () => {
    const worst = ['^.*.*(?<n>.*)x$', '^.?.?.*.*(?<n>.*)x$', '^.*.*(?<n>.{0,128})x$'];
    for (const p of worst) expect(explainInvalidOrderPattern(p), p).toBeUndefined();
    const started = performance.now();
    for (const p of worst) for (const c of ['1', 'a', '-']) extractOrderNumber(p, c.repeat(128));
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('extracts the named group as a decimal number, nothing else', () => {
    const pattern = '^main-[0-9a-f]+-(?<run>[0-9]+)$';
    expect(extractOrderNumber(pattern, 'main-3f9c2d1-418')).toBe(418n);
    expect(extractOrderNumber(pattern, 'main-3f9c2d1-x')).toBeUndefined();
    expect(extractOrderNumber('^(?<sha>[0-9a-f]+)$', 'abc')).toBeUndefined(); // hex is not a decimal number
    expect(extractOrderNumber(pattern, `main-${'a'.repeat(130)}-1`)).toBeUndefined(); // longer than any tag
    expect(extractOrderNumber('^(?<n>(a+)+)$', 'aaa')).toBeUndefined(); // never runs a refused pattern
  });
});

describe('ferry.yaml order and orderPattern', () => {
  const config = (app: string) => `environments:\n  dev: {}\napps:\n  web:\n    image: ghcr.io/acme/web\n${app}    environments:\n      dev: { files: [web.yaml] }\n`;
  const parseError = (text: string): FerryError => {
    try {
      parseFerryConfig(text, 'ferry.yaml');
    } catch (err) {
      if (err instanceof FerryError) return err;
    }
    throw new Error('expected a FerryError');
  };

  it('rides with every environment\'s policy, so guards carry their own order', () => {
    const numeric = parseFerryConfig(config("    order: numeric\n    orderPattern: '^main-[0-9a-f]+-(?<run>[0-9]+)$'\n"));
    expect(resolveAppEnvironment(numeric, 'web', 'dev').policy.order).toEqual({ by: 'numeric', pattern: '^main-[0-9a-f]+-(?<run>[0-9]+)$' });
    expect(resolveAppEnvironment(parseFerryConfig(config('    order: build-time\n')), 'web', 'dev').policy.order).toEqual({ by: 'build-time' });
    expect(resolveAppEnvironment(parseFerryConfig(config('')), 'web', 'dev').policy.order).toBeUndefined();
  });

  it.each<[string, string, number, RegExp]>([
    ['an unknown order', '    order: newest\n', 6, /apps\.web\.order: Invalid option: expected one of "semver"\|"numeric"\|"build-time"/],
    ['a pattern without order: numeric', "    order: build-time\n    orderPattern: '^(?<n>[0-9]+)$'\n", 7, /apps\.web\.orderPattern: orderPattern only applies with order: numeric/],
    ['a catastrophic pattern', "    order: numeric\n    orderPattern: '^(?<n>(a+)+)$'\n", 7, /apps\.web\.orderPattern: not a usable order pattern: it repeats a group that holds a quantifier/],
    ['a pattern without a named group', "    order: numeric\n    orderPattern: '^main-([0-9]+)$'\n", 7, /no named group/],
  ])('reports %s with file and line', (_name, app, line, message) => {
    const err = parseError(config(app));
    expect(err.code).toBe('config.invalid');
    expect(err.message).toMatch(message);
    expect(err.line).toBe(line);
  });
});
