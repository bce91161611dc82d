import { describe, expect, it } from 'vitest';
import { parseAgentArgs } from './parse-args.js';
import { usage } from './parse-args.js';

const env = { KUBECONFIG: '/k/config' };
const parse = (...argv: string[]) => parseAgentArgs(['sync', '--once', '--url', 'https://git.example.com/acme/config.git', ...argv], env);
const digest = `sha256:${'a'.repeat(64)}`;

describe('sync --once flags for oci:// charts', () => {
  it('--helm-chart oci://, --helm-version and --helm-digest become spec.helm.chart, version and digest', () => {
    const args = parse('--helm-chart', 'oci://registry.example.com/charts/web', '--helm-version', '1.4.2', '--helm-digest', digest, '--values', 'prod.yaml');
    expect(args.source?.spec['helm']).toEqual({ chart: 'oci://registry.example.com/charts/web', version: '1.4.2', digest, valuesFiles: ['prod.yaml'] });
  });

  it.each([
    [['--helm-chart', 'oci://registry.example.com/charts/web'], /^--helm-version: required with an oci:\/\/ chart/],
    [['--helm-chart', 'charts/web', '--helm-version', '1.0.0'], /^--helm-version: only with an oci:\/\/ chart/],
    [['--helm-chart', 'oci://registry.example.com/charts/web', '--helm-version', '^1.0'], /^--helm-version: an exact chart version/],
    [['--helm-chart', 'oci://registry.example.com/charts/web', '--helm-version', '1.0.0', '--helm-digest', 'sha256:abc'], /^--helm-digest: sha256: and 64 lower-case hex digits/],
    [['--helm-chart', 'oci://registry.example.com/charts/web:1.0.0', '--helm-version', '1.0.0'], /^--helm-chart: an OCI chart is oci:\/\/HOST/],
  ])('%j is refused naming the flag', (argv, message) => {
    expect(() => parse(...argv)).toThrow(message);
  });

  it('--help lists them', () => {
    expect(usage).toMatch(/--helm-chart oci:\/\/HOST\/REPO --helm-version V \[--helm-digest sha256:HEX\]/);
  });
});
