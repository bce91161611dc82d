import { describeObject, type SyncReport } from '@ferry/agent';

const actionWords = { create: 'create', configure: 'configure', unchanged: 'unchanged', recreate: 'recreate (delete + create)' } as const;

/** Human-readable report: one summary line per Sync, then what changed. */
export function formatReport(report: SyncReport, command: 'sync' | 'diff'): string {
  const lines: string[] = [];
  const revision = report.revision ? ` @ ${report.revision.slice(0, 12)}` : '';
  lines.push(`Sync ${report.sync.namespace}/${report.sync.name}${revision}: ${report.outcome} (${report.reason})`);
  for (const line of report.message.split('\n')) lines.push(`  ${line}`);
  const shown = report.changes.filter((c) => c.action !== 'unchanged');
  const verb = command === 'diff' ? 'would ' : '';
  for (const change of shown.slice(0, 200)) {
    const paths = change.paths?.length ? `: ${change.paths.join(', ')}` : '';
    lines.push(`  ${verb}${actionWords[change.action]} ${describeObject(change.ref)}${paths}`);
  }
  if (shown.length > 200) lines.push(`  ... and ${shown.length - 200} more`);
  for (const ref of report.prune.deleted) lines.push(`  ${verb}prune ${describeObject(ref)}`);
  for (const skip of report.prune.skipped) lines.push(`  keep ${skip.reason}`);
  for (const failure of report.prune.failed) lines.push(`  prune failed: ${failure.message}`);
  return `${lines.join('\n')}\n`;
}
