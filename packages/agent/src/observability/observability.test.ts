import { describe, expect, it } from 'vitest';
import { createJsonLogger } from './logger.js';
import { AgentMetrics } from './metrics.js';
import { decideEvent } from './sync-events.js';

describe('AgentMetrics exposition', () => {
  it('renders counters, gauges and cumulative histogram buckets in the Prometheus text format', () => {
    const m = new AgentMetrics();
    m.reconciles.inc({ namespace: 'a', name: 'app', outcome: 'Applied' });
    m.reconciles.inc({ namespace: 'a', name: 'app', outcome: 'Applied' });
    m.reconcileDuration.observe({ namespace: 'a', name: 'app' }, 0.3);
    m.reconcileDuration.observe({ namespace: 'a', name: 'app' }, 7);
    m.ready.set({ namespace: 'a', name: 'app' }, 1);
    m.webhooks.inc({ result: 'forged' });
    const text = m.expose();
    expect(text).toContain('# TYPE ferry_agent_reconcile_total counter\nferry_agent_reconcile_total{namespace="a",name="app",outcome="Applied"} 2');
    expect(text).toContain('ferry_agent_reconcile_duration_seconds_bucket{namespace="a",name="app",le="0.25"} 0');
    expect(text).toContain('ferry_agent_reconcile_duration_seconds_bucket{namespace="a",name="app",le="0.5"} 1');
    expect(text).toContain('ferry_agent_reconcile_duration_seconds_bucket{namespace="a",name="app",le="10"} 2');
    expect(text).toContain('ferry_agent_reconcile_duration_seconds_bucket{namespace="a",name="app",le="+Inf"} 2');
    expect(text).toContain('ferry_agent_reconcile_duration_seconds_sum{namespace="a",name="app"} 7.3');
    expect(text).toContain('ferry_agent_reconcile_duration_seconds_count{namespace="a",name="app"} 2');
    expect(text).toContain('ferry_agent_sync_ready{namespace="a",name="app"} 1');
    expect(text).toContain('ferry_agent_webhook_requests_total{result="forged"} 1');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('escapes label values', () => {
    const m = new AgentMetrics();
    m.webhooks.inc({ result: 'a"b\\c\nd' });
    expect(m.expose()).toContain('{result="a\\"b\\\\c\\nd"}');
  });
});

describe('JSON logger', () => {
  it('one JSON object per line, bound fields on every line of a child, secrets redacted', () => {
    const lines: string[] = [];
    const log = createJsonLogger((l) => lines.push(l), { now: () => new Date(0) }).child({ sync: 'ns/app' }).child({ revision: 'abc' });
    log.info('fetch https://user:hunter2-secret@git.example/acme/app failed', { url: 'https://x-access-token:ghs_abcdefghijklmnopqrstuvwxyz0123456789@github.com/a/b' });
    log.debug('hidden at info');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string) as Record<string, string>;
    expect(entry).toMatchObject({ time: '1970-01-01T00:00:00.000Z', level: 'info', sync: 'ns/app', revision: 'abc' });
    expect(lines[0]).not.toContain('hunter2-secret');
    expect(lines[0]).not.toContain('ghs_abcdefghijklmnopqrstuvwxyz0123456789');
  });
});

describe('decideEvent: only when something changed', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'a' };
  const quiet = { outcome: 'Applied' as const, reason: 'ReconciliationSucceeded', message: 'applied revision abc: 0 created', changes: [{ ref: cm, action: 'unchanged' as const }], prune: { deleted: [], skipped: [], failed: [] }, revision: 'abc' };
  const failed = { ...quiet, outcome: 'Failed' as const, reason: 'FetchFailed', message: 'git server unreachable', changes: [] };
  it.each([
    ['a quiet reconcile', undefined, quiet, [], undefined],
    ['objects written', undefined, { ...quiet, changes: [{ ref: cm, action: 'configure' as const }] }, [], 'Normal/ReconciliationSucceeded'],
    ['objects pruned', undefined, { ...quiet, prune: { deleted: [cm], skipped: [], failed: [] } }, [], 'Normal/ReconciliationSucceeded'],
    ['drift corrected', undefined, { ...quiet, changes: [{ ref: cm, action: 'configure' as const }] }, ['ConfigMap ns/a'], 'Normal/DriftCorrected'],
    ['a new failure', { failing: false, message: 'ok' }, failed, [], 'Warning/FetchFailed'],
    ['the same failure again', { failing: true, message: 'git server unreachable' }, failed, [], undefined],
    ['a different failure', { failing: true, message: 'other' }, failed, [], 'Warning/FetchFailed'],
    ['a recovery', { failing: true, message: 'git server unreachable' }, quiet, [], 'Normal/ReconciliationSucceeded'],
  ] as const)('%s', (_name, previous, report, drifted, expected) => {
    const event = decideEvent(previous, report as never, drifted);
    expect(event ? `${event.type}/${event.reason}` : undefined).toBe(expected);
  });
});
