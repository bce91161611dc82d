import { describe, expect, it } from 'vitest';
import { ownerSelector, isOwnedBy, withOwnerLabels } from '../sync/labels.js';
import { canonicalRepoUrl, checkInventoryOwner, decodeAppliedRecords, describeSource, encodeAppliedRecords, encodeInventory, inventorySource, sourceId, UnrecordedSourceId, type InventoryOwnerCheck } from './inventory.js';
import { formatObjectKey } from './kube-object.js';

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

describe('applied records (data.applied)', () => {
  const a = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'a' };
  const b = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ns', name: 'b' };
  const c = { apiVersion: 'v1', kind: 'Namespace', namespace: '', name: 'c' };
  const records = new Map([[formatObjectKey(a), { resourceVersion: '12', hash: 'h-a' }], [formatObjectKey(c), { resourceVersion: '7', hash: 'h-c' }]]);

  it('round-trips beside the inventory, one line per inventory line in its order', () => {
    const text = encodeAppliedRecords([a, b, c], records);
    expect(text.split('\n')).toHaveLength(4);
    expect(text.split('\n').slice(1)).toEqual(['-', '12 h-a', '7 h-c']);
    expect(decodeAppliedRecords(encodeInventory([c, b, a]), text)).toEqual(records);
  });

  it('is ignored when missing (an older inventory) or written for another inventory text', () => {
    expect(decodeAppliedRecords(encodeInventory([a, b, c]), undefined).size).toBe(0);
    const text = encodeAppliedRecords([a, b, c], records);
    // Same line count, other objects: the header digest no longer matches.
    const other = { ...a, name: 'z' };
    expect(decodeAppliedRecords(encodeInventory([other, b, c]), text).size).toBe(0);
    expect(decodeAppliedRecords(encodeInventory([a, b]), text).size).toBe(0);
  });

  it('writes nothing without records, or when they would not fit in a ConfigMap', () => {
    expect(encodeAppliedRecords([a, b], new Map())).toBe('');
    const many = Array.from({ length: 12_000 }, (_, i) => ({ ...a, name: `object-with-a-long-name-${i}` }));
    const all = new Map(many.map((r) => [formatObjectKey(r), { resourceVersion: '123456789', hash: 'x'.repeat(22) }]));
    expect(encodeAppliedRecords(many, all)).toBe('');
  });
});
