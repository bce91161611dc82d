import { describe, expect, it } from 'vitest';
import { checkClusterName, formatStatusContext, parseStatusContext } from './status-context.js';

describe('status context', () => {
  it('what the agent formats, the promoter parses back', () => {
    const context = formatStatusContext('prod-eu.1', { namespace: 'apps', name: 'web' });
    expect(context).toBe('ferry/prod-eu.1/apps/web');
    expect(parseStatusContext(context)).toEqual({ cluster: 'prod-eu.1', sync: 'apps/web' });
  });

  it.each(['ci/build', 'ferry/a/b', 'ferry/a/b/c/d', 'other/a/b/c'])('%s is not a Ferry context', (context) => {
    expect(parseStatusContext(context)).toBeNull();
  });

  it.each([['prod', true], ['a'.repeat(63), true], ['a'.repeat(64), false], ['-prod', false], ['pro/d', false], ['', false]])('cluster name %s valid: %s', (name, valid) => {
    expect(checkClusterName(name as string) === undefined).toBe(valid);
  });
});
