import { describe, expect, it } from 'vitest';
import { formatStatusContext } from '@ferry/manifest-model';
import { formatDescription, repositoryOf, statusOfReport } from './commit-status.js';

describe('statusOfReport', () => {
  const sha = 'a'.repeat(40);
  it.each([
    ['Applied', 'success', /^applied and healthy: /],
    ['Unchanged', 'success', /^applied and healthy: /],
    ['Unhealthy', 'failure', /^HealthCheckFailed: /],
    ['Stalled', 'failure', /^HealthCheckFailed: /],
    ['Failed', 'error', /^HealthCheckFailed: /],
  ] as const)('%s -> %s', (outcome, state, description) => {
    const status = statusOfReport({ outcome, reason: 'HealthCheckFailed', message: 'web: 0/1 replicas available', revision: sha });
    expect(status?.state).toBe(state);
    expect(status?.description).toMatch(description);
  });

  it('says nothing without a revision, nor for a suspended Sync that never applied one', () => {
    expect(statusOfReport({ outcome: 'Stalled', reason: 'GitOperationFailed', message: 'no such host' })).toBeNull();
    expect(statusOfReport({ outcome: 'Suspended', reason: 'Suspended', message: 'spec.suspend is true', status: {} })).toBeNull();
  });

  it('a suspended Sync is pending "suspended: ..." on the revision it last applied', () => {
    const status = statusOfReport({ outcome: 'Suspended', reason: 'Suspended', message: 'spec.suspend is true: nothing fetched or applied', status: { lastAppliedRevision: sha } });
    expect(status).toEqual({ sha, state: 'pending', description: 'suspended: spec.suspend is true: nothing fetched or applied' });
  });
});

describe('formatDescription', () => {
  it('is one line of at most 140 characters with secrets redacted', () => {
    const text = `fetch https://bob:hunter2@git.example.com/acme/config.git failed\nwith token ghp_${'x'.repeat(36)} ${'y'.repeat(200)}`;
    const out = formatDescription(text);
    expect(out.length).toBe(140);
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('ghp_');
    expect(out).not.toContain('\n');
    expect(out.endsWith('...')).toBe(true);
  });
});

describe('repositoryOf and formatStatusContext', () => {
  it.each([
    ['https://github.com/acme/config.git', 'acme/config'],
    ['http://127.0.0.1:4000/acme/config.git', 'acme/config'],
    ['https://ghe.example.com/org/team/config', 'team/config'],
    ['git@github.com:acme/config.git', 'acme/config'],
    ['https://example.com/config.git', null],
  ])('%s -> %s', (url, expected) => {
    const repo = repositoryOf(url);
    expect(repo ? `${repo.owner}/${repo.name}` : null).toBe(expected);
  });

  it('names the cluster, namespace and Sync', () => {
    expect(formatStatusContext('prod-eu', { namespace: 'ferry-system', name: 'web' })).toBe('ferry/prod-eu/ferry-system/web');
  });
});
