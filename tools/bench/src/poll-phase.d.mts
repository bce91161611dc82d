// Types of poll-phase.mjs (plain ESM, as format-report.mjs).
export function pollPhaseWaitMs(i: number, runs: number, intervalSeconds: number): number;
