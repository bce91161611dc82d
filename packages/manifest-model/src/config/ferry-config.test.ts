import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../errors.js';
import { buildFerryConfigJsonSchema, parseFerryConfig, resolveAppEnvironment } from './ferry-config.js';

const valid = `# promotion config
environments:
  dev: { branch: main, autoMerge: true }
  staging:
    branch: main
    promotesFrom: dev
    labels: [promotion]
  prod:
    branch: release
    promotesFrom: staging
    mergeMethod: merge
    reviewers: [alice]
    teamReviewers: [platform]
apps:
  web:
    image: ghcr.io/acme/web
    policy: { semver: ">=1.0.0 <2" }
    environments:
      dev:
        files: [envs/dev/web.yaml]
      prod:
        files:
          - path: envs/prod/values.yaml
            key: web.image
        policy: { allowDowngrade: true, deny: ["-rc\\\\."] }
        hold: { reason: rollback of 1.4.2, by: alice }
`;

function parseError(text: string): FerryError {
  try {
    parseFerryConfig(text, 'repo/ferry.yaml');
  } catch (err) {
    if (err instanceof FerryError) return err;
    throw err;
  }
  throw new Error('expected a FerryError');
}

describe('parseFerryConfig', () => {
  it('parses a full config and fills defaults', () => {
    const config = parseFerryConfig(valid);
    expect(config.environments.dev).toEqual({ branch: 'main', autoMerge: true, mergeMethod: 'squash', labels: [], reviewers: [], teamReviewers: [] });
    expect(config.environments.prod?.promotesFrom).toBe('staging');
    expect(config.apps.web?.environments.prod?.hold).toEqual({ reason: 'rollback of 1.4.2', by: 'alice' });
  });

  it('merges the app policy into the environment and resolves shorthand files', () => {
    const config = parseFerryConfig(valid);
    const prod = resolveAppEnvironment(config, 'web', 'prod');
    expect(prod.files).toEqual([{ path: 'envs/prod/values.yaml', key: 'web.image' }]);
    expect(prod.policy).toEqual({ semver: '>=1.0.0 <2', allowDowngrade: true, deny: ['-rc\\.'] });
    expect(prod.hold).toEqual({ reason: 'rollback of 1.4.2', by: 'alice' });
    const dev = resolveAppEnvironment(config, 'web', 'dev');
    expect(dev.files).toEqual([{ path: 'envs/dev/web.yaml' }]);
    expect(dev.policy.allowDowngrade).toBe(false);
    expect(dev.hold).toBeUndefined();
  });

  it('names what exists when an app or environment is unknown', () => {
    const config = parseFerryConfig(valid);
    expect(() => resolveAppEnvironment(config, 'api', 'dev')).toThrow(/app "api" is not declared/);
    expect(() => resolveAppEnvironment(config, 'web', 'staging')).toThrow(/app "web" has no environment "staging"/);
    expect(() => resolveAppEnvironment(config, 'web', 'qa')).toThrow(/environment "qa" is not declared/);
  });

  it.each([
    ['a typo in a field name', valid.replace('autoMerge: true', 'autoMerg: true'), 3, /environments\.dev\.autoMerg: unknown field "autoMerg"/],
    ['a bad semver range', valid.replace('>=1.0.0 <2', 'one point oh'), 17, /apps\.web\.policy\.semver: not a valid semver range/],
    ['a wrong type', valid.replace('mergeMethod: merge', 'mergeMethod: fast-forward'), 11, /environments\.prod\.mergeMethod: Invalid option/],
    ['a missing image', valid.replace('    image: ghcr.io/acme/web\n', ''), 15, /apps\.web\.image: required field is missing/],
    ['an unknown promotesFrom', valid.replace('promotesFrom: dev', 'promotesFrom: qa'), 6, /environments\.staging\.promotesFrom: unknown environment "qa"/],
    ['an app in an undeclared environment', valid.replace('      dev:\n        files', '      qa:\n        files'), 19, /apps\.web\.environments\.qa: unknown environment "qa"/],
    ['an invalid regular expression', valid.replace('deny: ["-rc\\\\."]', 'deny: ["(unclosed"]'), 25, /apps\.web\.environments\.prod\.policy\.deny\.0: not a valid regular expression/],
    ['an empty file list', valid.replace('files: [envs/dev/web.yaml]', 'files: []'), 20, /apps\.web\.environments\.dev\.files: /],
  ])('reports %s with file and line', (_name, text, line, message) => {
    const err = parseError(text);
    expect(err.code).toBe('config.invalid');
    expect(err.file).toBe('repo/ferry.yaml');
    expect(err.message).toMatch(message);
    expect(err.line).toBe(line);
  });

  it('reports YAML syntax errors with line and column', () => {
    const err = parseError('environments:\n  dev: [unclosed\n');
    expect(err.message).toMatch(/invalid YAML/);
    expect(err.line).toBeGreaterThanOrEqual(2);
    expect(err.describe()).toMatch(/^repo\/ferry\.yaml:\d+:\d+: invalid YAML/);
  });

  it('rejects promotesFrom cycles', () => {
    const err = parseError('environments:\n  a: { promotesFrom: b }\n  b: { promotesFrom: a }\n');
    expect(err.message).toMatch(/2 problems/);
    expect(err.message).toMatch(/cycle/);
    expect(err.line).toBe(2);
  });

  it('lists every problem, pointing at the first', () => {
    const err = parseError('environments:\n  dev: { autoMerge: yes-please }\napps:\n  web: { environments: {} }\n');
    expect(err.line).toBe(2);
    expect(err.message).toMatch(/environments\.dev\.autoMerge/);
    expect(err.message).toMatch(/line 4: apps\.web\.image: required field is missing/);
  });
});

describe('schemas/ferry.schema.json', () => {
  it('is up to date (regenerate with `npm run schema:generate`)', () => {
    const path = fileURLToPath(new URL('../../../../schemas/ferry.schema.json', import.meta.url));
    const published = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    expect(published).toEqual(buildFerryConfigJsonSchema());
  });

  it('describes the fields editors complete', () => {
    const schema = buildFerryConfigJsonSchema() as { properties: Record<string, unknown>; required?: string[] };
    expect(Object.keys(schema.properties)).toEqual(['version', 'forge', 'apiUrl', 'environments', 'apps']);
    expect(schema.required).toEqual(['environments']);
    expect(JSON.stringify(schema)).toContain('allowDowngrade');
  });
});
