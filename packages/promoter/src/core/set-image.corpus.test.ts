// The real-world corpus (corpus/ at the repository root; sources in corpus/SOURCES.md, licenses in
// corpus/LICENSES.md): for every image each file mentions, set a new tag and check that exactly the
// expected lines change, that the edit is idempotent, and that `kubectl kustomize` renders the new image.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { helmPath, kubectlPath } from '@ferry/testenv';
import { findImageOccurrences, planSetImage } from './set-image.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const corpus = join(repoRoot, 'corpus');
const read = (file: string) => readFileSync(join(corpus, file), 'utf8');

/** Image -> the lines (1-based, in the original file) that must change; `+N` = a line inserted after N. */
const EXPECTED: Record<string, Record<string, (number | `+${number}`)[]>> = {
  'helm-values/argo-rollouts-values.yaml': { 'quay.io/argoproj/argo-rollouts': [112], 'quay.io/argoproj/kubectl-argo-rollouts': [389] },
  'helm-values/argocd-example-helm-guestbook-values.yaml': { 'gcr.io/heptio-images/ks-guestbook-demo': [9] },
  'helm-values/bitnami-nginx-values.yaml': { 'bitnami/nginx': [89], 'docker.io/bitnami/git': [519], 'bitnami/nginx-exporter': [992] },
  'helm-values/cert-manager-values.yaml': {
    'quay.io/jetstack/cert-manager-controller': ['+150'], 'quay.io/jetstack/cert-manager-webhook': ['+883'],
    'quay.io/jetstack/cert-manager-cainjector': ['+1192'], 'quay.io/jetstack/cert-manager-acmesolver': ['+1251'],
    'quay.io/jetstack/cert-manager-startupapicheck': ['+1384'],
  },
  'helm-values/grafana-values.yaml': {
    'grafana/grafana': [97], 'bats/bats': [115], 'curlimages/curl': [161], busybox: [389], 'quay.io/kiwigrid/k8s-sidecar': [825],
    'grafana/grafana-image-renderer': [1100],
  },
  // A tag alone clears a set digest: the chart would otherwise keep pulling the old image by digest.
  'helm-values/ingress-nginx-values.yaml': {
    'k8s.gcr.io/ingress-nginx/controller': [24, 25], 'k8s.gcr.io/ingress-nginx/kube-webhook-certgen': [635, 636], 'k8s.gcr.io/defaultbackend-amd64': [762],
  },
  'helm-values/kube-state-metrics-values.yaml': { 'k8s.gcr.io/kube-state-metrics/kube-state-metrics': [5] },
  'helm-values/podinfo-values-prod.yaml': { 'ghcr.io/stefanprodan/podinfo': [11], redis: [96] },
  'helm-values/podinfo-values.yaml': { 'ghcr.io/stefanprodan/podinfo': [11], 'docker.io/library/redis': [100] },
  'helm-values/prometheus-alertmanager-values.yaml': { 'quay.io/prometheus/alertmanager': [16], 'quay.io/prometheus-operator/prometheus-config-reloader': [327] },
  'kustomize/argo-cd-manifests-base-kustomization.yaml': { 'quay.io/argoproj/argocd': [8] },
  'kustomize/flux-iac-config-manager-kustomization.yaml': { 'fluxcd/image-automation-controller': [8] },
  'kustomize/flux-iac-setters-kustomization.yaml': { container: [9], replaced: [9] },
  'kustomize/gitops-istio-backend-kustomization.yaml': { 'ghcr.io/stefanprodan/podinfo': [10] },
  'manifests/flux-iac-setters-marked-cronjob.yaml': { image: [15, 17] },
  'manifests/k8s-examples-cassandra-statefulset.yaml': { 'gcr.io/google-samples/cassandra': [20] },
  'manifests/k8s-website-cronjob.yaml': { busybox: [13] },
  'manifests/k8s-website-job-sidecar-initcontainer.yaml': { alpine: [10, 17] },
  'manifests/k8s-website-mysql-statefulset.yaml': { mysql: [18, 66], 'gcr.io/google-samples/xtrabackup': [42, 97] },
  'manifests/microservices-demo-kubernetes-manifests.yaml': {
    ...Object.fromEntries(([['emailservice', 50], ['checkoutservice', 115], ['recommendationservice', 189], ['frontend', 258], ['paymentservice', 365],
      ['productcatalogservice', 429], ['cartservice', 493], ['loadgenerator', 585], ['currencyservice', 628], ['shippingservice', 692],
      ['adservice', 822]] as const).map(([s, line]) => [`gcr.io/google-samples/microservices-demo/${s}`, [line]])),
    busybox: [572], redis: [755],
  },
  'manifests/podinfo-kustomize-deployment.yaml': { 'ghcr.io/stefanprodan/podinfo': [26] },
};
const NO_IMAGES = [
  'helm-values/argocd-example-helm-guestbook-values-production.yaml',
  'helm-values/flux2-kustomize-helm-example-production-podinfo-values.yaml',
  'helm-values/flux2-kustomize-helm-example-staging-podinfo-values.yaml',
];

/**
 * Aligns old and new lines, assuming an edit only replaces lines or inserts new ones (true for tag
 * edits), and returns the changed old lines and the old line each inserted line follows.
 */
function changedLines(before: string, after: string): (number | `+${number}`)[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const out: (number | `+${number}`)[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    // Inserted lines: the old line reappears a few lines further on (or the old file has ended).
    let inserted = i >= a.length ? b.length - j : 0;
    for (let d = 1; !inserted && d <= 5 && j + d < b.length; d++) if (a[i] === b[j + d]) inserted = d;
    if (inserted) {
      for (let k = 0; k < inserted; k++) out.push(`+${i}`);
      j += inserted;
    } else {
      out.push(i + 1);
      i++;
      j++;
    }
  }
  return out;
}

describe('corpus: set a new tag for every image', () => {
  const cases = Object.entries(EXPECTED).flatMap(([file, images]) => Object.entries(images).map(([image, lines]) => ({ file, image, lines })));
  it.each(cases)('$file: $image', ({ file, image, lines }) => {
    const content = read(file);
    for (const tag of ['9.9.9-ferry', '1.10']) {
      const plan = planSetImage([{ path: file, content }], { image, tag });
      expect(plan.found).toBe(true);
      const after = plan.files[0]!.newContent!;
      expect(after).not.toBeNull();
      expect(changedLines(content, after)).toEqual(lines);
      const changes = plan.files[0]!.changes.filter((c) => c.new !== '');
      expect(changes.length).toBeGreaterThan(0);
      // The changed line holds the new value; a bare tag that YAML 1.1 reads as a number gets quotes.
      const newLines = after.split('\n');
      for (const change of changes) {
        expect(change.new === tag || change.new.endsWith(`:${tag}`)).toBe(true);
        expect(newLines[change.line - 1]).toContain(change.new === '1.10' ? `"1.10"` : change.new);
      }
      for (const occurrence of findImageOccurrences([{ path: file, content: after }], image)) expect(occurrence.tag).toBe(tag);
      // A second run is a no-op.
      expect(planSetImage([{ path: file, content: after }], { image, tag }).changed).toBe(false);
    }
  });

  it('covers every corpus file', () => {
    const all = ['helm-values', 'kustomize', 'manifests'].flatMap((dir) => readdirSync(join(corpus, dir)).map((f) => `${dir}/${f}`));
    expect(all.sort()).toEqual([...Object.keys(EXPECTED), ...NO_IMAGES].sort());
  });

  it.each(NO_IMAGES)('%s has no image and stays untouched', (file) => {
    const plan = planSetImage([{ path: file, content: read(file) }], { image: 'ghcr.io/stefanprodan/podinfo', tag: '9.9.9' });
    expect(plan).toMatchObject({ found: false, changed: false });
    expect(plan.files[0]!.newContent).toBeNull();
  });

  it.each(Object.keys(EXPECTED).filter((f) => !f.startsWith('kustomize/')))('%s: an image it does not mention changes nothing', (file) => {
    const plan = planSetImage([{ path: file, content: read(file) }], { image: 'ghcr.io/acme/absent', tag: '1.0.0' });
    expect(plan).toMatchObject({ found: false, changed: false });
  });

  it.each(Object.keys(EXPECTED).filter((f) => f.startsWith('kustomize/')))('%s: an image it does not name is appended as a new entry, nothing else moves', (file) => {
    const content = read(file);
    const plan = planSetImage([{ path: file, content }], { image: 'ghcr.io/acme/absent', tag: '1.0.0' });
    const after = plan.files[0]!.newContent!;
    const changed = changedLines(content, after);
    expect(changed).toHaveLength(2);
    expect(changed.every((c) => typeof c === 'string' && c.startsWith('+'))).toBe(true);
    expect(after).toMatch(/^ *- name: ghcr\.io\/acme\/absent\n *newTag: 1\.0\.0$/m);
  });

  it.each([
    ['edge-cases-invalid-yaml/microservices-demo-component-container-images-registry.yaml', 19, 41, '{{CONTAINER_IMAGES_REGISTRY}}'],
    ['edge-cases-invalid-yaml/microservices-demo-component-container-images-tag.yaml', 19, 11, '@(CONTAINER_IMAGES_TAG)'],
  ])('%s: invalid YAML is reported with file and line', (file, line, column, snippet) => {
    let error: unknown;
    try {
      planSetImage([{ path: file, content: read(file) }], { image: 'adservice', tag: '1.0.0' });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'yaml.invalid', file, line, column });
    expect((error as { describe(): string }).describe()).toContain(`${file}:${line}:${column}: invalid YAML`);
    expect((error as { hint: string }).hint).toContain(snippet);
  });
});

describe('corpus kustomizations render the new image with real kubectl kustomize', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const deployment = (name: string, image: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n      - name: main\n        image: ${image}\n      - name: sidecar\n        image: nginx:1.25\n`;
  const patch = '- op: add\n  path: /metadata/annotations\n  value: {patched: "true"}\n';
  const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

  it.each([
    {
      file: 'kustomize/flux-iac-config-manager-kustomization.yaml', image: 'fluxcd/image-automation-controller',
      resources: { 'deployment.yaml': deployment('manager', 'fluxcd/image-automation-controller') },
      rendered: 'image: fluxcd/image-automation-controller:9.9.9-ferry',
    },
    {
      file: 'kustomize/flux-iac-setters-kustomization.yaml', image: 'container',
      resources: { 'unimportant.yaml': deployment('app', 'container:v0') },
      rendered: 'image: replaced:9.9.9-ferry',
    },
    {
      file: 'kustomize/gitops-istio-backend-kustomization.yaml', image: 'ghcr.io/stefanprodan/podinfo',
      resources: {
        'deployment.yaml': deployment('backend', 'ghcr.io/stefanprodan/podinfo:6.0.0'),
        'canary.yaml': configMap('canary'), 'hpa.yaml': configMap('hpa'), 'deployment.patch.yaml': patch,
      },
      rendered: 'image: ghcr.io/stefanprodan/podinfo:9.9.9-ferry',
    },
    {
      // No entry names nginx: one is added, and kustomize applies it.
      file: 'kustomize/gitops-istio-backend-kustomization.yaml', image: 'nginx',
      resources: {
        'deployment.yaml': deployment('backend', 'ghcr.io/stefanprodan/podinfo:6.0.0'),
        'canary.yaml': configMap('canary'), 'hpa.yaml': configMap('hpa'), 'deployment.patch.yaml': patch,
      },
      rendered: 'image: nginx:9.9.9-ferry',
    },
  ])('$file with $image', ({ file, image, resources, rendered }) => {
    const content = read(file);
    const plan = planSetImage([{ path: 'kustomization.yaml', content }], { image, tag: '9.9.9-ferry' });
    const dir = mkdtempSync(join(tmpdir(), 'ferry-kustomize-'));
    dirs.push(dir);
    const build = (kustomization: string) => {
      writeFileSync(join(dir, 'kustomization.yaml'), kustomization);
      for (const [name, text] of Object.entries(resources)) writeFileSync(join(dir, name), text);
      return execFileSync(kubectlPath(), ['kustomize', dir], { encoding: 'utf8' });
    };
    expect(build(content)).not.toContain(rendered);
    const output = build(plan.files[0]!.newContent!);
    expect(output).toContain(rendered);
    expect(output).toContain('image: nginx:'); // the sidecar is there either way
  });
});

describe('corpus Helm values render the new image with real helm template', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  // A minimal chart whose template renders the image the way most charts do.
  const render = (values: string, template: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-helm-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 0.1.0\nappVersion: "0.0.1"\n');
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'templates', 'pod.yaml'), `apiVersion: v1\nkind: Pod\nmetadata:\n  name: demo\nspec:\n  containers:\n${template}`);
    writeFileSync(join(dir, 'values.yaml'), values);
    return execFileSync(helmPath(), ['template', 'demo', dir], { encoding: 'utf8' });
  };

  it('a tag that YAML would read as a number renders as written (tag: 0.1 in the guestbook values)', () => {
    const file = 'helm-values/argocd-example-helm-guestbook-values.yaml';
    const template = '  - name: app\n    image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n';
    const content = read(file);
    const plan = planSetImage([{ path: file, content }], { image: 'gcr.io/heptio-images/ks-guestbook-demo', tag: '1.10' });
    expect(render(plan.files[0]!.newContent!, template)).toContain('image: "gcr.io/heptio-images/ks-guestbook-demo:1.10"');
    // What a naive text replacement would ship: YAML reads 1.10 as the float 1.1.
    expect(render(content.replace('tag: 0.1', 'tag: 1.10'), template)).toContain('image: "gcr.io/heptio-images/ks-guestbook-demo:1.1"');
  });

  it('podinfo values: both the app and the redis image render with their new tags', () => {
    const file = 'helm-values/podinfo-values.yaml';
    const template = '  - name: app\n    image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n  - name: redis\n    image: "{{ .Values.redis.repository }}:{{ .Values.redis.tag }}"\n';
    let content = read(file);
    for (const [image, tag] of [['ghcr.io/stefanprodan/podinfo', '6.10.0'], ['redis', '7.4']] as const) {
      content = planSetImage([{ path: file, content }], { image, tag }).files[0]!.newContent!;
    }
    const output = render(content, template);
    expect(output).toContain('image: "ghcr.io/stefanprodan/podinfo:6.10.0"');
    expect(output).toContain('image: "redis:7.4"');
  });
});
