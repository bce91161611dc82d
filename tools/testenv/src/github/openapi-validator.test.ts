// The validator must catch what GitHub's description forbids; otherwise "validated" means nothing.
import { graphql } from '@octokit/graphql';
import { describe, expect, it } from 'vitest';
import { compareShapes } from './compare-shapes.js';
import { startEmulatorWorld } from './emulator-test-kit.js';
import { validateGitHubGraphql } from './graphql-api.js';
import { createOpenApiValidator } from './openapi-validator.js';

const validator = createOpenApiValidator();
const sha = 'a'.repeat(40);
const ref = {
  ref: 'refs/heads/main',
  node_id: 'MDM6UmVmcmVmcy9oZWFkcy9tYWlu',
  url: 'https://api.github.com/repos/o/r/git/refs/heads/main',
  object: { sha, type: 'commit', url: `https://api.github.com/repos/o/r/git/commits/${sha}` },
};

describe('createOpenApiValidator', () => {
  it('accepts a conforming exchange, with the ref slash encoded or not', () => {
    expect(validator.validateExchange({ method: 'GET', path: '/repos/o/r/git/ref/heads/main', status: 200, responseBody: ref })).toEqual([]);
    expect(validator.validateExchange({ method: 'GET', path: '/repos/o/r/git/ref/heads%2Fmain', status: 200, responseBody: ref })).toEqual([]);
  });

  it('reports a response missing a required property, naming operation and property', () => {
    const { object: _object, ...broken } = ref;
    const [v] = validator.validateExchange({ method: 'GET', path: '/repos/o/r/git/ref/heads/main', status: 200, responseBody: broken });
    expect(v).toMatchObject({ operation: 'GET /repos/{owner}/{repo}/git/ref/{ref}', where: 'response', status: 200 });
    expect(v?.message).toContain("'object'");
  });

  it('reports a request body of the wrong type', () => {
    const violations = validator.validateExchange({ method: 'PUT', path: '/repos/o/r/pulls/1/merge', requestBody: { sha: 42 }, status: 200, responseBody: { sha, merged: true, message: 'ok' } });
    expect(violations).toEqual([expect.objectContaining({ where: 'request', message: expect.stringContaining('/sha must be string') })]);
  });

  it('understands OpenAPI 3.0 nullable and rejects null where it is not allowed', () => {
    const label = { id: 1, node_id: 'x', url: 'https://api.github.com/repos/o/r/labels/a', name: 'a', color: 'ededed', default: false, description: null };
    expect(validator.validateExchange({ method: 'POST', path: '/repos/o/r/labels', requestBody: { name: 'a' }, status: 201, responseBody: label })).toEqual([]);
    expect(validator.validateExchange({ method: 'POST', path: '/repos/o/r/labels', requestBody: { name: 'a' }, status: 201, responseBody: { ...label, name: null } })).not.toEqual([]);
  });

  it('validates path and query parameters, and reports unknown query parameters', () => {
    const list = { method: 'GET', path: '/repos/o/r/pulls', status: 200, responseBody: [] };
    expect(validator.validateExchange({ ...list, query: 'state=open&head=o%3Ab&per_page=10' })).toEqual([]);
    expect(validator.validateExchange({ ...list, query: 'state=merged' })[0]?.message).toContain('query parameter state');
    expect(validator.validateExchange({ ...list, query: 'head_ref=b' })[0]?.message).toContain('query parameter head_ref is not defined');
    expect(validator.validateExchange({ ...list, query: 'per_page=ten' })[0]?.message).toContain('must be integer');
    expect(validator.validateExchange({ method: 'GET', path: '/repos/o/r/pulls/one', status: 404, responseBody: { message: 'Not Found' } })[0]?.message).toContain('path parameter pull_number');
  });

  it('reports undocumented statuses and unknown operations', () => {
    expect(validator.validateExchange({ method: 'GET', path: '/repos/o/r/git/ref/heads/main', status: 418, responseBody: {} })[0]?.message).toContain('status 418 is not documented');
    expect(validator.validateExchange({ method: 'GET', path: '/no/such/endpoint', status: 200 })[0]?.where).toBe('operation');
  });
});

describe('GraphQL validation', () => {
  it('accepts the auto-merge mutation and rejects fields GitHub does not have', () => {
    expect(validateGitHubGraphql('mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: SQUASH }) { clientMutationId } }')).toEqual([]);
    expect(validateGitHubGraphql('mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: FAST }) { clientMutationId } }')).not.toEqual([]);
  });

  it('records an invalid document as a violation of the emulator', async () => {
    const world = await startEmulatorWorld();
    try {
      const gql = graphql.defaults({ baseUrl: world.github.url, headers: { authorization: 'token any' } });
      await expect(gql('{ viewer { loginName } }')).rejects.toThrow(/loginName/);
      expect(() => world.github.assertNoViolations()).toThrow(/POST \/graphql/);
    } finally {
      await world.close();
    }
  });
});

describe('compareShapes', () => {
  it('finds missing keys and type changes, tolerating nulls and extra keys', () => {
    expect(compareShapes({ a: 1, b: { c: 'x' }, d: [{ e: true }], n: null }, { a: 2, b: { c: 'y', extra: 1 }, d: [{ e: false }], n: 'now set' })).toEqual([]);
    expect(compareShapes({ a: 1, b: { c: 'x' }, d: [{ e: true }] }, { a: '1', b: {}, d: [{ e: 'no' }] })).toEqual([
      { path: '$.a', problem: 'type', expected: 'number', actual: 'string' },
      { path: '$.b.c', problem: 'missing', expected: 'string', actual: 'absent' },
      { path: '$.d[0].e', problem: 'type', expected: 'boolean', actual: 'string' },
    ]);
  });
});
