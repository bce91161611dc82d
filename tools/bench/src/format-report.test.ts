import { describe, expect, it } from 'vitest';
import { formatCell, formatRatio, formatReport, formatValue, median, summarize } from './format-report.mjs';

describe('median and summarize', () => {
  it.each([
    [[3], 3],
    [[5, 1, 3], 3],
    [[4, 1, 3, 2], 2.5],
    [[2, 2, 9, 1, 100], 2],
  ])('median of %j is %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('summarize ignores runs that measured nothing (NaN) and gives min, max and count', () => {
    expect(summarize([2, Number.NaN, 1, 4])).toEqual({ median: 2, min: 1, max: 4, n: 3 });
    expect(summarize([Number.NaN])).toBeUndefined();
    expect(() => median([])).toThrow('no values');
  });
});

describe('cells', () => {
  it.each([
    [0.0623, 's', '0.062 s'],
    [1.234, 's', '1.23 s'],
    [39.49, 's', '39.5 s'],
    [123.4, 's', '123 s'],
    [0, 's', '0 s'],
    [139.6, 'MB', '140 MB'],
    [5002, 'count', '5002'],
    [2.5, 'count', '2.5'],
  ] as const)('formatValue(%d, %s) = %s', (value, unit, text) => {
    expect(formatValue(value, unit)).toBe(text);
  });

  it('shows the median with the min–max range, without a range when all runs agree', () => {
    expect(formatCell([1.1, 1.4, 1.23], 's')).toBe('1.23 s (1.10–1.40)');
    expect(formatCell([1000, 1000, 1000], 'count')).toBe('1000');
    expect(formatCell([42], 'MB')).toBe('42 MB');
    expect(formatCell([10.8, 11.2, 11.4], 'MB')).toBe('11 MB');
    expect(formatCell([], 's')).toBe('—');
  });

  it('ratios are Ferry median over baseline median; no ratio against nothing or zero', () => {
    expect(formatRatio([2, 2.2, 1.8], [1, 0.9, 1.1])).toBe('2.00x');
    expect(formatRatio([0.5], [4])).toBe('0.13x');
    expect(formatRatio([2], [1000])).toBe('0.002x');
    expect(formatRatio([0, 0], [1000])).toBe('0.00x');
    expect(formatRatio([2], [5000])).toBe('<0.001x');
    expect(formatRatio([3], [0])).toBe('—');
    expect(formatRatio([3], undefined)).toBe('—');
  });
});

describe('formatReport', () => {
  it('renders one row per figure beside its baseline, escaping pipes, with conditions and notes', () => {
    const report = formatReport({
      conditions: ['machine: test'],
      rows: [
        { scenario: 'promote --push direct', size: '300 files', metric: 'wall time', unit: 's', ferry: [1.2, 1.0, 1.4], baselineName: 'native git | shallow', baseline: [0.5, 0.6, 0.4] },
        { scenario: 'agent daemon', size: '10 objects', metric: 'peak RSS', unit: 'MB', ferry: [80] },
      ],
      notes: ['ratios are medians'],
    });
    const lines = report.trimEnd().split('\n');
    expect(lines[0]).toBe('# Ferry benchmarks');
    expect(lines).toContain('- machine: test');
    expect(lines).toContain('| promote --push direct | 300 files | wall time | 1.20 s (1.00–1.40) | native git \\| shallow | 0.50 s (0.40–0.60) | 2.40x |');
    expect(lines).toContain('| agent daemon | 10 objects | peak RSS | 80 MB | — | — | — |');
    expect(lines.at(-1)).toBe('- ratios are medians');
    // Every table row has the header's seven columns.
    const tableRows = lines.filter((l) => l.startsWith('|'));
    expect(tableRows).toHaveLength(4);
    for (const row of tableRows) expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(9);
  });
});
