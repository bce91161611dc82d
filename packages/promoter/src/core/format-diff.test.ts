import { describe, expect, it } from 'vitest';
import { formatUnifiedDiff } from './format-diff.js';

describe('formatUnifiedDiff', () => {
  it('shows an in-place edit with three lines of context', () => {
    const before = ['a', 'b', 'c', 'd', 'image: web:1', 'e', 'f', 'g', 'h', ''].join('\n');
    const after = before.replace('web:1', 'web:2');
    expect(formatUnifiedDiff('x.yaml', before, after)).toBe(
      '--- a/x.yaml\n+++ b/x.yaml\n@@ -2,7 +2,7 @@\n b\n c\n d\n-image: web:1\n+image: web:2\n e\n f\n g\n',
    );
  });

  it('keeps distant edits in separate hunks and near ones together', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `l${i}`);
    const after = [...lines];
    after[2] = 'X';
    after[4] = 'Y';
    after[25] = 'Z';
    const diff = formatUnifiedDiff('f', lines.join('\n'), after.join('\n'));
    expect(diff.match(/^@@/gm)).toHaveLength(2);
    expect(diff).toContain('@@ -1,8 +1,8 @@');
  });

  it('handles a change in line count and no change at all', () => {
    expect(formatUnifiedDiff('f', 'a\nb\nc\n', 'a\nB1\nB2\nc\n')).toBe('--- a/f\n+++ b/f\n@@ -1,4 +1,5 @@\n a\n-b\n+B1\n+B2\n c\n \n');
    expect(formatUnifiedDiff('f', 'same', 'same')).toBe('');
  });
});
