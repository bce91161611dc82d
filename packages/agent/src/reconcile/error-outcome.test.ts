import { FerryError } from '@ferry/manifest-model';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../ports.js';
import { classifyError } from './classify-error.js';
import { errorClasses, isAgentErrorCode } from './error-outcome.js';

const agentSource = fileURLToPath(new URL('..', import.meta.url));

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map(async (e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'test' ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.includes('.corpus.') ? [path] : [];
  }));
  return nested.flat();
}

describe('error outcomes', () => {
  it('every error code raised in the agent has a row in the table (else it would be stalled as unknown)', async () => {
    const codes = new Set<string>();
    for (const file of await sourceFiles(agentSource)) {
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(/'((?:apply|guard|inventory|kube|plan|render|source|status|sync)\.[a-z][a-z-]*)'/g)) codes.add(m[1] as string);
    }
    expect(codes.size).toBeGreaterThan(40);
    expect([...codes].filter((code) => !isAgentErrorCode(code)).sort()).toEqual([]);
  });

  it('an unknown code is stalled, not retried forever', () => {
    expect(classifyError(new FerryError('inventory.something-new', 'x'))).toMatchObject({ outcome: 'Stalled', errorOutcome: 'Stalled', code: 'inventory.something-new' });
    expect(classifyError(new FerryError('constructor', 'x'))).toMatchObject({ outcome: 'Stalled', errorOutcome: 'Stalled' });
  });

  it.each([
    ['inventory.corrupt', 'Stalled', 'Stalled', 'InvalidConfig'],
    ['inventory.foreign', 'Stalled', 'Stalled', 'InventoryConflict'],
    ['apply.ownership-conflict', 'Stalled', 'Stalled', 'OwnershipConflict'],
    ['kube.immutable', 'Stalled', 'Stalled', 'ValidationFailed'],
    ['kube.config', 'Stalled', 'Stalled', 'InvalidConfig'],
    ['render.timeout', 'Stalled', 'Stalled', 'BuildFailed'],
    ['source.ref-not-found', 'Stalled', 'Stalled', 'FetchFailed'],
    ['source.untrusted-signature', 'Stalled', 'Stalled', 'FetchFailed'],
    ['apply.timeout', 'Failed', 'Waiting', 'ApplyFailed'],
    ['kube.conflict', 'Failed', 'Transient', 'ApplyFailed'],
    ['source.unavailable', 'Failed', 'Transient', 'FetchFailed'],
    ['kube.unavailable', 'Failed', 'Transient', 'ApiUnavailable'],
  ])('%s -> %s (%s) / %s', (code, outcome, errorOutcome, reason) => {
    expect(classifyError(new FerryError(code, 'x'))).toMatchObject({ outcome, errorOutcome, reason, code });
  });

  it('a KubeApiError is classified by its code like any FerryError', () => {
    expect(classifyError(new KubeApiError('kube.forbidden', 'no', 403, 'Forbidden'))).toMatchObject({ outcome: 'Stalled', reason: 'Forbidden' });
    expect(classifyError(new KubeApiError('kube.unavailable', 'down', 503, 'ServiceUnavailable'))).toMatchObject({ outcome: 'Failed', errorOutcome: 'Transient', reason: 'ApiUnavailable' });
  });

  it('every row is Stalled, Waiting or Transient', () => {
    for (const row of Object.values(errorClasses)) expect(['Stalled', 'Waiting', 'Transient']).toContain(row.outcome);
  });
});
