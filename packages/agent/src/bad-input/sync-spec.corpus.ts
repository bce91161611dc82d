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
  // Fields that become helm/kustomize arguments (issue 17, bug 3 and 8): nothing that reads as an
  // option, standard input, or a path out of the repository.
  { name: 'release name that is a helm option (--set-file)', spec: { url, helm: { releaseName: '--set-file=x=/var/run/secrets/token' } }, field: 'spec.helm.releaseName', says: 'a Helm release name' },
  { name: 'release name starting with "-"', spec: { url, helm: { releaseName: '-n' } }, field: 'spec.helm.releaseName', says: 'a Helm release name' },
  { name: 'release name with upper case', spec: { url, helm: { releaseName: 'Web' } }, field: 'spec.helm.releaseName', says: 'a Helm release name' },
  { name: 'release name with a space and a flag', spec: { url, helm: { releaseName: 'web --debug' } }, field: 'spec.helm.releaseName', says: 'a Helm release name' },
  { name: 'release name over 53 characters', spec: { url, helm: { releaseName: 'a'.repeat(54) } }, field: 'spec.helm.releaseName', says: 'at most 53' },
  { name: 'empty release name', spec: { url, helm: { releaseName: '' } }, field: 'spec.helm.releaseName', says: 'a Helm release name' },
  { name: 'path that is a kustomize option', spec: { url, path: '--load-restrictor=LoadRestrictionsNone' }, field: 'spec.path', says: 'start with "-"' },
  { name: 'path with an option as a later component', spec: { url, path: 'apps/--load-restrictor=LoadRestrictionsNone' }, field: 'spec.path', says: 'start with "-"' },
  { name: 'path after ./ that is an option', spec: { url, path: './-o=yaml' }, field: 'spec.path', says: 'start with "-"' },
  { name: 'absolute path', spec: { url, path: '/etc' }, field: 'spec.path', says: 'relative to the repository root' },
  { name: 'path with a newline', spec: { url, path: 'apps\n--debug' }, field: 'spec.path', says: 'control characters' },
  { name: 'path with a backslash', spec: { url, path: '..\\etc' }, field: 'spec.path', says: 'must not contain' },
  { name: 'helm chart that is an option', spec: { url, helm: { chart: '--post-renderer=/bin/sh' } }, field: 'spec.helm.chart', says: 'start with "-"' },
  { name: 'helm chart as an absolute path', spec: { url, helm: { chart: '/var/run/secrets' } }, field: 'spec.helm.chart', says: 'relative to the repository root' },
  { name: 'values file "-" (standard input)', spec: { url, helm: { valuesFiles: ['-'] } }, field: 'spec.helm.valuesFiles.0', says: 'start with "-"' },
  { name: 'values file that is an option', spec: { url, helm: { valuesFiles: ['v.yaml', '--set-file=x=/etc/passwd'] } }, field: 'spec.helm.valuesFiles.1', says: 'start with "-"' },
  { name: 'values file as an absolute path (a host file)', spec: { url, helm: { valuesFiles: ['/var/run/secrets/kubernetes.io/serviceaccount/token'] } }, field: 'spec.helm.valuesFiles.0', says: 'relative to the repository root' },
  { name: 'values file "." (the repository root)', spec: { url, helm: { valuesFiles: ['.'] } }, field: 'spec.helm.valuesFiles.0', says: 'not its root' },
  { name: 'values file ./- (standard input after normalising)', spec: { url, helm: { valuesFiles: ['./-'] } }, field: 'spec.helm.valuesFiles.0', says: 'start with "-"' },
  { name: 'helm values as --set text', spec: { url, helm: { values: 'image.tag=1.2,replicas=3' } }, field: 'spec.helm.values', says: 'an object of Helm values' },
  { name: 'helm values as a list', spec: { url, helm: { values: [{ replicas: 3 }] } }, field: 'spec.helm.values', says: 'an object of Helm values' },
  { name: 'helm values larger than 512 KiB', spec: { url, helm: { values: { blob: 'x'.repeat(600 * 1024) } } }, field: 'spec.helm.values', says: 'at most 512 KiB' },
  { name: 'helm crds policy unknown', spec: { url, helm: { crds: 'Replace' } }, field: 'spec.helm.crds', says: 'Invalid option' },
  { name: 'helm crds policy in lower case', spec: { url, helm: { crds: 'create' } }, field: 'spec.helm.crds', says: 'Invalid option' },
  { name: 'namespace that is an option', spec: { url, namespace: '--kube-context=prod' }, field: 'spec.namespace', says: 'a namespace name' },
  { name: 'namespace with upper case', spec: { url, namespace: 'Team' }, field: 'spec.namespace', says: 'a namespace name' },
  { name: 'allowRemoteResources as a string', spec: { url, kustomize: { allowRemoteResources: 'yes' } }, field: 'spec.kustomize.allowRemoteResources', says: 'expected boolean' },
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
