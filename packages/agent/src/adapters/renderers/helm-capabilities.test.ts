import { describe, expect, it } from 'vitest';
import { helmKubeVersion } from '../kube-client.js';
import { capabilityArgs, servesDefinedKind } from './helm-capabilities.js';

describe('helm capabilities from discovery', () => {
  it.each([
    [{ gitVersion: 'v1.35.4', major: '1', minor: '35' }, 'v1.35.4'],
    [{ gitVersion: 'v1.31.2+k3s1', major: '1', minor: '31' }, 'v1.31.2'],
    [{ gitVersion: 'v1.30.1-eks-1234', major: '1', minor: '30+' }, 'v1.30.1'],
    [{ gitVersion: 'v0.0.0-master+$Format:%H$', major: '1', minor: '29+' }, 'v1.29.0'],
    [{ gitVersion: 'v0.0.0-master+$Format:%H$', major: '', minor: '' }, undefined],
    [{}, undefined],
  ])('/version %j is --kube-version %s', (version, expected) => {
    expect(helmKubeVersion(version)).toBe(expected);
  });

  it('every value is one --name=value argument; nothing without capabilities; no value helm would split or read as an option', () => {
    expect(capabilityArgs(undefined, '')).toEqual([]);
    expect(capabilityArgs({ kubeVersion: 'v1.35.4', apiVersions: ['v1', 'apps/v1/Deployment', 'a,b/v1', '--set x'] }, 'helm-')).toEqual(['--helm-kube-version=v1.35.4', '--helm-api-versions=v1', '--helm-api-versions=apps/v1/Deployment']);
    expect(capabilityArgs({ kubeVersion: undefined, apiVersions: ['v1'] }, '')).toEqual(['--api-versions=v1']);
  });

  it('a CRD whose kind the cluster serves at one of its versions is served', () => {
    const crd = (versions: string[]) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.ex.io' }, spec: { group: 'ex.io', names: { kind: 'Widget' }, versions: versions.map((name) => ({ name })) } });
    const caps = { kubeVersion: undefined, apiVersions: ['ex.io/v1', 'ex.io/v1/Widget'] };
    expect(servesDefinedKind(caps, crd(['v1beta1', 'v1']))).toBe(true);
    expect(servesDefinedKind(caps, crd(['v2']))).toBe(false);
  });
});
