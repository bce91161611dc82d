/**
 * A small Prometheus registry with text exposition (format 0.0.4). Hand-written because the agent
 * needs five series kinds and no default process collectors; prom-client would add a dependency
 * for that.
 */
type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  value: number;
  buckets?: number[];
  count?: number;
}

class Metric {
  readonly series = new Map<string, Series>();
  constructor(readonly name: string, readonly help: string, readonly type: 'counter' | 'gauge' | 'histogram', readonly bucketBounds: number[] = []) {}

  private entry(labels: Labels): Series {
    const key = JSON.stringify(Object.entries(labels).sort());
    let series = this.series.get(key);
    if (!series) {
      series = { labels, value: 0, ...(this.type === 'histogram' ? { buckets: this.bucketBounds.map(() => 0), count: 0 } : {}) };
      this.series.set(key, series);
    }
    return series;
  }

  inc(labels: Labels = {}, by = 1): void {
    this.entry(labels).value += by;
  }

  set(labels: Labels, value: number): void {
    this.entry(labels).value = value;
  }

  observe(labels: Labels, value: number): void {
    const series = this.entry(labels);
    series.value += value;
    series.count = (series.count ?? 0) + 1;
    this.bucketBounds.forEach((bound, index) => {
      if (value <= bound && series.buckets) series.buckets[index] = (series.buckets[index] ?? 0) + 1;
    });
  }

  get(labels: Labels = {}): number {
    return this.series.get(JSON.stringify(Object.entries(labels).sort()))?.value ?? 0;
  }

  expose(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const s of this.series.values()) {
      if (this.type !== 'histogram') {
        lines.push(`${this.name}${formatLabels(s.labels)} ${s.value}`);
        continue;
      }
      this.bucketBounds.forEach((bound, index) => lines.push(`${this.name}_bucket${formatLabels({ ...s.labels, le: String(bound) })} ${s.buckets?.[index] ?? 0}`));
      lines.push(`${this.name}_bucket${formatLabels({ ...s.labels, le: '+Inf' })} ${s.count ?? 0}`);
      lines.push(`${this.name}_sum${formatLabels(s.labels)} ${s.value}`);
      lines.push(`${this.name}_count${formatLabels(s.labels)} ${s.count ?? 0}`);
    }
    return lines.join('\n');
  }
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (!entries.length) return '';
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;
}

const durationBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** The agent's metrics. Labels: `namespace`, `name` of the Sync; `outcome`; `action`; `operation`. */
export class AgentMetrics {
  readonly reconcileDuration = new Metric('ferry_agent_reconcile_duration_seconds', 'Duration of one reconcile of a Sync.', 'histogram', durationBuckets);
  readonly reconciles = new Metric('ferry_agent_reconcile_total', 'Reconciles by outcome (Applied, Unchanged, Suspended, Stalled, Unhealthy, Failed).', 'counter');
  readonly driftCorrections = new Metric('ferry_agent_drift_corrections_total', 'Objects found drifted from Git (changed or deleted in the cluster) and corrected.', 'counter');
  readonly appliedObjects = new Metric('ferry_agent_applied_objects_total', 'Objects written by action (create, configure, recreate, prune).', 'counter');
  readonly gitDuration = new Metric('ferry_agent_git_fetch_duration_seconds', 'Duration of git operations (ls-remote, fetch).', 'histogram', durationBuckets);
  readonly ready = new Metric('ferry_agent_sync_ready', '1 when the Sync is Ready, 0 otherwise.', 'gauge');
  readonly leader = new Metric('ferry_agent_leader', '1 while this replica holds the leader Lease.', 'gauge');
  readonly webhooks = new Metric('ferry_agent_webhook_requests_total', 'Webhook requests by result (accepted, forged, replayed, invalid).', 'counter');

  expose(): string {
    const all = [this.reconcileDuration, this.reconciles, this.driftCorrections, this.appliedObjects, this.gitDuration, this.ready, this.leader, this.webhooks];
    return `${all.map((m) => m.expose()).join('\n')}\n`;
  }
}
