// Pure formatting of benchmark results: median and spread of repeated runs, Ferry / baseline ratios,
// and the one Markdown table `npm run bench` writes. No I/O here, so it is unit-tested
// (format-report.test.ts) and the scenarios only collect numbers.

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values) {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median, min, max and count of repeated measurements; undefined for an empty list. */
export function summarize(values) {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return undefined;
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), n: finite.length };
}

const units = {
  s: { suffix: ' s', digits: (v) => (v === 0 ? 0 : Math.abs(v) < 0.1 ? 3 : Math.abs(v) < 10 ? 2 : Math.abs(v) < 100 ? 1 : 0) },
  MB: { suffix: ' MB', digits: () => 0 },
  count: { suffix: '', digits: (v) => (Number.isInteger(v) ? 0 : 1) },
};

/** One number in its unit: seconds with 2-3 significant digits, MB and counts as integers. */
export function formatValue(value, unit) {
  const spec = units[unit];
  if (!spec) throw new Error(`unknown unit ${unit}`);
  return `${value.toFixed(spec.digits(value))}${spec.suffix}`;
}

/** "1.23 s (1.10–1.40)": median, then the min–max range when the runs differ; "—" when nothing was measured. */
export function formatCell(values, unit) {
  const s = summarize(values ?? []);
  if (!s) return '—';
  const head = formatValue(s.median, unit);
  const bare = (v) => formatValue(v, unit).slice(0, formatValue(v, unit).length - units[unit].suffix.length);
  // Runs that agree to the shown precision have no range worth printing.
  if (bare(s.min) === bare(s.max)) return head;
  return `${head} (${bare(s.min)}–${bare(s.max)})`;
}

/** Ferry's median over the baseline's: "2.10x"; "—" when either side is missing or the baseline is 0. */
export function formatRatio(ferry, baseline) {
  const f = summarize(ferry ?? []);
  const b = summarize(baseline ?? []);
  if (!f || !b || b.median === 0) return '—';
  const ratio = f.median / b.median;
  if (ratio > 0 && ratio < 0.001) return '<0.001x';
  return `${ratio.toFixed(ratio !== 0 && ratio < 0.1 ? 3 : 2)}x`;
}

const escape = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * The report: a title, the conditions of the run (machine, versions, flags), one table with a row per
 * measured figure, and notes. A row: { scenario, size, metric, unit, ferry: number[],
 * baselineName?, baseline?: number[], note? }.
 */
export function formatReport({ title = 'Ferry benchmarks', conditions = [], rows, notes = [] }) {
  const lines = [`# ${title}`, ''];
  for (const c of conditions) lines.push(`- ${c}`);
  if (conditions.length) lines.push('');
  lines.push('| Scenario | Size | Metric | Ferry: median (min–max) | Baseline | Baseline: median (min–max) | Ferry ÷ baseline |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const hasBaseline = Boolean(row.baselineName);
    const ferryCell = formatCell(row.ferry, row.unit) + (row.note ? ` ${row.note}` : '');
    lines.push(`| ${[
      row.scenario, row.size, row.metric, ferryCell,
      hasBaseline ? row.baselineName : '—',
      hasBaseline ? formatCell(row.baseline, row.unit) : '—',
      hasBaseline ? formatRatio(row.ferry, row.baseline) : '—',
    ].map(escape).join(' | ')} |`);
  }
  if (notes.length) {
    lines.push('');
    for (const n of notes) lines.push(`- ${n}`);
  }
  return `${lines.join('\n')}\n`;
}
