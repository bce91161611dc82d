import { describe, expect, it } from 'vitest';
import { isForeignManager, mergeFieldSets, planOwnershipTakeover, type ManagedFieldsEntry } from './take-ownership.js';

const ours: ManagedFieldsEntry = { manager: 'ferry-agent', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:v': {} } } };
const edit: ManagedFieldsEntry = { manager: 'kubectl-edit', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:extra': {} }, 'f:metadata': { 'f:labels': { 'f:x': {} } } } };
const controller: ManagedFieldsEntry = { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', fieldsV1: { 'f:status': {} }, subresource: 'status' };

describe('isForeignManager', () => {
  it.each([
    ['kubectl-edit', undefined, true],
    ['kubectl-client-side-apply', undefined, true],
    ['kubectl', undefined, true],
    ['kubectl-patch', undefined, true],
    ['before-first-apply', undefined, true],
    ['kubectl', 'scale', false],
    ['ferry-agent', undefined, false],
    ['kubectlish', undefined, false],
    ['helm', undefined, false],
  ])('%s (subresource %s) -> %s', (manager, subresource, expected) => {
    expect(isForeignManager({ manager, ...(subresource ? { subresource } : {}) })).toBe(expected);
  });
});

describe('planOwnershipTakeover', () => {
  it('moves kubectl fields into the agent Apply entry and keeps other managers', () => {
    expect(planOwnershipTakeover([ours, edit, controller])).toEqual([
      { ...ours, fieldsV1: { 'f:data': { 'f:v': {}, 'f:extra': {} }, 'f:metadata': { 'f:labels': { 'f:x': {} } } } },
      controller,
    ]);
  });

  it('creates the agent entry when there is none', () => {
    expect(planOwnershipTakeover([edit])).toEqual([{ manager: 'ferry-agent', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: edit.fieldsV1 }]);
  });

  it('nothing to take: undefined (no write)', () => {
    expect(planOwnershipTakeover([ours, controller])).toBeUndefined();
    expect(planOwnershipTakeover(undefined)).toBeUndefined();
  });

  it('merges nested field sets without losing either side', () => {
    expect(mergeFieldSets({ 'f:a': { 'f:b': {} }, 'f:c': {} }, { 'f:a': { 'f:d': {} } })).toEqual({ 'f:a': { 'f:b': {}, 'f:d': {} }, 'f:c': {} });
  });
});
