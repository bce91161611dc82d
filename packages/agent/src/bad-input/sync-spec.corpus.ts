// Malformed Sync specs (the CRD's spec, as the agent reads it): one row per case. Read by
// sync-spec.bad-input.test.ts. `field` is the spec path the message must name.
export interface SyncSpecCase {
  name: string;
  spec: unknown;
  field: string;
  says: string;
}

const url = 'https://git.example.com/acme/config.git';

export const SYNC_SPEC_CASES: SyncSpecCase[] = [
  { name: 'no url', spec: { path: 'apps' }, field: 'spec.url', says: 'expected string' },
  { name: 'ssh url', spec: { url: 'git@github.com:acme/config.git' }, field: 'spec.url', says: 'an http(s) URL' },
  { name: 'file url', spec: { url: 'file:///etc' }, field: 'spec.url', says: 'an http(s) URL' },
  { name: 'url as a number', spec: { url: 42 }, field: 'spec.url', says: 'expected string' },
  { name: 'ref with branch and tag', spec: { url, ref: { branch: 'main', tag: 'v1' } }, field: 'spec.ref', says: 'exactly one of branch, tag or commit' },
  { name: 'empty ref', spec: { url, ref: {} }, field: 'spec.ref', says: 'exactly one of branch, tag or commit' },
  { name: 'short commit', spec: { url, ref: { commit: 'abc123' } }, field: 'spec.ref.commit', says: '40-character' },
  { name: 'upper-case commit', spec: { url, ref: { commit: 'A'.repeat(40) } }, field: 'spec.ref.commit', says: '40-character' },
  { name: 'branch with ".."', spec: { url, ref: { branch: '../../etc' } }, field: 'spec.ref.branch', says: 'not a valid git branch' },
  { name: 'branch with a space', spec: { url, ref: { branch: 'release 1' } }, field: 'spec.ref.branch', says: 'not a valid git branch' },
  { name: 'branch with a colon (refspec)', spec: { url, ref: { branch: 'main:refs/heads/x' } }, field: 'spec.ref.branch', says: 'not a valid git branch' },
  { name: 'tag ending in .lock', spec: { url, ref: { tag: 'v1.lock' } }, field: 'spec.ref.tag', says: 'not a valid git branch' },
  { name: 'branch starting with a dash (option)', spec: { url, ref: { branch: '--upload-pack=x' } }, field: 'spec.ref.branch', says: 'not a valid git branch' },
  { name: 'empty branch', spec: { url, ref: { branch: '' } }, field: 'spec.ref.branch', says: 'Too small' },
  { name: 'path with ..', spec: { url, path: '../other-repo' }, field: 'spec.path', says: 'no ".."' },
  { name: 'path escaping in the middle', spec: { url, path: 'apps/../../etc' }, field: 'spec.path', says: 'no ".."' },
  { name: 'helm chart outside the repository', spec: { url, helm: { chart: '../charts/x' } }, field: 'spec.helm.chart', says: 'no ".."' },
  { name: 'helm values file outside the repository', spec: { url, helm: { valuesFiles: ['ok.yaml', '../../secrets.yaml'] } }, field: 'spec.helm.valuesFiles.1', says: 'no ".."' },
  { name: 'unknown render mode', spec: { url, render: 'jsonnet' }, field: 'spec.render', says: 'Invalid option' },
  { name: 'interval in words', spec: { url, interval: '5 minutes' }, field: 'spec.interval', says: 'a duration' },
  { name: 'interval without a unit', spec: { url, interval: '300' }, field: 'spec.interval', says: 'a duration' },
  { name: 'interval of zero (busy loop)', spec: { url, interval: '0s' }, field: 'spec.interval', says: 'between 1s and 24h' },
  { name: 'interval beyond what a timer can wait', spec: { url, interval: '1000h' }, field: 'spec.interval', says: 'between 1s and 24h' },
  { name: 'negative timeout', spec: { url, timeout: '-1s' }, field: 'spec.timeout', says: 'a duration' },
  { name: 'prune as a string', spec: { url, prune: 'no' }, field: 'spec.prune', says: 'expected boolean' },
  { name: 'suspend as a number', spec: { url, suspend: 1 }, field: 'spec.suspend', says: 'expected boolean' },
  { name: 'secretRef without a name', spec: { url, secretRef: {} }, field: 'spec.secretRef.name', says: 'expected string' },
  { name: 'empty namespace', spec: { url, namespace: '' }, field: 'spec.namespace', says: 'Too small' },
  { name: 'spec missing (null)', spec: null, field: 'spec', says: 'expected object' },
  { name: 'spec as a list', spec: [url], field: 'spec', says: 'expected object' },
];
