// Types of format-report.mjs (plain ESM so the benchmark runs with Node alone, no build step).
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}
export type Unit = 's' | 'MB' | 'count';
export interface ReportRow {
  scenario: string;
  size: string;
  metric: string;
  unit: Unit;
  ferry: number[];
  baselineName?: string;
  baseline?: number[];
  note?: string;
}
export interface Report {
  title?: string;
  conditions?: string[];
  rows: ReportRow[];
  notes?: string[];
}
export function median(values: readonly number[]): number;
export function summarize(values: readonly number[]): Summary | undefined;
export function formatValue(value: number, unit: Unit): string;
export function formatCell(values: readonly number[] | undefined, unit: Unit): string;
export function formatRatio(ferry: readonly number[] | undefined, baseline: readonly number[] | undefined): string;
export function formatReport(report: Report): string;
