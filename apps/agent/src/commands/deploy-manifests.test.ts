import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The shipped install carries copies of the Sync CRD (kustomize cannot load files outside its root;
// Helm installs crds/ of the chart): they must never drift from the agent's own CRD.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');

describe('shipped manifests', () => {
  it.each(['deploy/base/crd-syncs.ferry.dev.yaml', 'deploy/chart/ferry-agent/crds/syncs.ferry.dev.yaml'])('%s equals packages/agent/crds/syncs.ferry.dev.yaml', (copy) => {
    expect(read(copy)).toBe(read('packages/agent/crds/syncs.ferry.dev.yaml'));
  });
});
