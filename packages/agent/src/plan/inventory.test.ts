import { describe, expect, it } from 'vitest';
import { ownerSelector, isOwnedBy, withOwnerLabels } from '../sync/labels.js';
import { canonicalRepoUrl, checkInventoryOwner, describeSource, inventorySource, sourceId, UnrecordedSourceId, type InventoryOwnerCheck } from './inventory.js';

describe('canonicalRepoUrl', () => {
  it.each([
    ['https://git.example/acme/config.git', 'https://git.example/acme/config'],
    ['https://bot:s3cret@Git.Example:443/acme/config.git/', 'https://git.example/acme/config'],
    ['https://git.example/acme/config?token=abc#frag', 'https://git.example/acme/config'],
    ['http://git.example:8080/acme/config', 'http://git.example:8080/acme/config'],
    ['git@github.com:acme/config.git', 'github.com:acme/config'],
  ])('%s -> %s', (url, expected) => {
    expect(canonicalRepoUrl(url)).toBe(expected);
  });
});

describe('checkInventoryOwner', () => {
  const team1 = inventorySource('flags', 'https://git.example/team1/config.git', 'apps');
  const team2 = inventorySource('flags', 'https://git.example/team2/config.git', 'apps');
  const base = (extra: Partial<InventoryOwnerCheck>): InventoryOwnerCheck => ({
    exists: true, recorded: team1, current: team1, inventory: 'ConfigMap default/ferry-flags-inventory-cli', appliedBefore: false,
    howToAdopt: (id) => `re-run with --adopt-inventory ${id}`, ...extra,
  });

  it('a new inventory, or one recorded for this source, is used', () => {
    expect(checkInventoryOwner(base({ exists: false, recorded: undefined, current: team2 }))).toBe('new');
    expect(checkInventoryOwner(base({}))).toBe('own');
    // Same repository and directory written differently.
    expect(checkInventoryOwner(base({ current: inventorySource('flags', 'https://u:p@git.example/team1/config/', './apps/') }))).toBe('own');
  });

  it('another source is refused, naming both sources and how to adopt on purpose', () => {
    const run = () => checkInventoryOwner(base({ current: team2 }));
    expect(run).toThrow(/belongs to another source/);
    try {
      run();
    } catch (error) {
      const e = error as { code: string; message: string; hint: string };
      expect(e.code).toBe('inventory.foreign');
      expect(e.message).toContain('https://git.example/team1/config');
      expect(e.message).toContain('https://git.example/team2/config');
      expect(e.message).toContain('Nothing was applied or pruned');
      expect(e.hint).toContain(`--adopt-inventory ${sourceId(team1)}`);
    }
  });

  it.each([
    ['another path', inventorySource('flags', 'https://git.example/team1/config.git', 'other')],
    ['a Sync object with the same repository', inventorySource('Sync', 'https://git.example/team1/config.git', 'apps')],
  ])('%s is another source', (_name, current) => {
    expect(() => checkInventoryOwner(base({ current }))).toThrow(/belongs to another source/);
  });

  it('adopting needs the id of the recorded source, not any id', () => {
    expect(checkInventoryOwner(base({ current: team2, adopt: sourceId(team1) }))).toBe('adopted');
    expect(() => checkInventoryOwner(base({ current: team2, adopt: sourceId(team2) }))).toThrow(/belongs to another source/);
  });

  it('an unrecorded inventory (older agent): its owner that applied before keeps it; a newcomer must adopt it on purpose', () => {
    expect(checkInventoryOwner(base({ recorded: undefined, appliedBefore: true }))).toBe('own');
    expect(() => checkInventoryOwner(base({ recorded: undefined }))).toThrow(/unrecorded source/);
    expect(checkInventoryOwner(base({ recorded: undefined, adopt: UnrecordedSourceId }))).toBe('adopted');
  });

  it('describes sources without credentials', () => {
    expect(describeSource(inventorySource('Sync', 'https://bot:s3cret@git.example/a.git', ''))).toBe(`a Sync object, https://git.example/a, path "." (source id ${sourceId(inventorySource('Sync', 'https://git.example/a', ''))})`);
  });
});

describe('owner labels: a Sync object and a flag-mode run of the same name are different owners', () => {
  const sync = { name: 'cli', namespace: 'default' };
  const flags = { name: 'cli', namespace: 'default', kind: 'flags' as const };

  it('labels, selector and ownership', () => {
    const syncLabels = withOwnerLabels({ app: 'web' }, sync);
    const flagLabels = withOwnerLabels({ app: 'web' }, flags);
    expect(syncLabels).toEqual({ app: 'web', 'ferry.dev/sync-name': 'cli', 'ferry.dev/sync-namespace': 'default' });
    expect(flagLabels).toEqual({ ...syncLabels, 'ferry.dev/owner-kind': 'flags' });
    expect(isOwnedBy(syncLabels, sync)).toBe(true);
    expect(isOwnedBy(syncLabels, flags)).toBe(false);
    expect(isOwnedBy(flagLabels, flags)).toBe(true);
    expect(isOwnedBy(flagLabels, sync)).toBe(false);
    expect(ownerSelector(sync)).toBe('ferry.dev/sync-name=cli,ferry.dev/sync-namespace=default,ferry.dev/owner-kind!=flags');
    expect(ownerSelector(flags)).toBe('ferry.dev/sync-name=cli,ferry.dev/sync-namespace=default,ferry.dev/owner-kind=flags');
  });

  it('a source cannot dress its objects up as another kind of owner', () => {
    expect(withOwnerLabels({ 'ferry.dev/owner-kind': 'flags' }, sync)).not.toHaveProperty(['ferry.dev/owner-kind']);
    expect(withOwnerLabels({ 'ferry.dev/owner-kind': 'other', 'ferry.dev/sync-name': 'x' }, flags)).toMatchObject({ 'ferry.dev/owner-kind': 'flags', 'ferry.dev/sync-name': 'cli' });
  });
});
