/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews every
 * retry period; a candidate takes the Lease when its holder has not renewed it for a lease duration,
 * measured on the candidate's own clock from when it last saw the record change (no clock skew
 * between replicas matters). Writes are compare-and-swap on resourceVersion, so two candidates
 * never both win. On shutdown the holder releases the Lease so a standby takes over at once.
 */
import type { KubeObject } from '../plan/kube-object.js';
import { KubeApiError, type KubeWatchApi } from '../ports.js';
import { abortableDelay } from './abortable-delay.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  /** Flux: 35 s. */
  leaseDurationMs: number;
  /** The holder gives up leadership when it could not renew for this long. Flux: 30 s. */
  renewDeadlineMs: number;
  /** Flux: 5 s. */
  retryPeriodMs: number;
}

export const defaultLeaderElection = { leaseDurationMs: 35_000, renewDeadlineMs: 30_000, retryPeriodMs: 5_000 };

const LeaseApiVersion = 'coordination.k8s.io/v1';

interface Lease extends KubeObject {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

export interface LeaderCallbacks {
  onStartedLeading(): void;
  onStoppedLeading(): void;
  onError?(error: unknown): void;
}

export class LeaderElector {
  private leading = false;
  private observed: { resourceVersion: string; at: number } | undefined;
  private lastRenew = 0;

  constructor(private readonly kube: KubeWatchApi, private readonly options: LeaderElectionOptions, private readonly now: () => number = Date.now) {}

  get isLeader(): boolean {
    return this.leading;
  }

  private get ref() {
    return { apiVersion: LeaseApiVersion, kind: 'Lease', namespace: this.options.namespace, name: this.options.name };
  }

  /**
   * Campaigns and renews until `signal` aborts, then releases the Lease if held and `release()`
   * says so (not when work of ours may still be writing: the Lease then simply expires).
   */
  async run(signal: AbortSignal, callbacks: LeaderCallbacks, release: () => boolean = () => true): Promise<void> {
    while (!signal.aborted) {
      let held = false;
      try {
        held = await this.tryAcquireOrRenew();
      } catch (error) {
        callbacks.onError?.(error);
      }
      if (held) {
        this.lastRenew = this.now();
        if (!this.leading) {
          this.leading = true;
          callbacks.onStartedLeading();
        }
      } else if (this.leading && (this.now() - this.lastRenew >= this.options.renewDeadlineMs || !(await this.stillOurs()))) {
        this.leading = false;
        callbacks.onStoppedLeading();
      }
      await abortableDelay(this.options.retryPeriodMs, signal);
    }
    if (this.leading) {
      if (release()) await this.release().catch((error: unknown) => callbacks.onError?.(error));
      callbacks.onStoppedLeading();
      this.leading = false;
    }
  }

  private async stillOurs(): Promise<boolean> {
    const lease = await this.read().catch(() => undefined);
    return lease?.spec.holderIdentity === this.options.identity;
  }

  private async read(): Promise<Lease | undefined> {
    return (await this.kube.get(this.ref)) as Lease | undefined;
  }

  /** One round: true when this candidate holds the Lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.now();
    const time = microTime(new Date());
    const durationSeconds = Math.ceil(this.options.leaseDurationMs / 1000);
    const lease = await this.read();
    if (!lease) {
      try {
        await this.kube.create({
          apiVersion: LeaseApiVersion, kind: 'Lease',
          metadata: { name: this.options.name, namespace: this.options.namespace },
          spec: { holderIdentity: this.options.identity, leaseDurationSeconds: durationSeconds, acquireTime: time, renewTime: time, leaseTransitions: 0 },
        });
        return true;
      } catch (error) {
        if (error instanceof KubeApiError && error.statusCode === 409) return false;
        throw error;
      }
    }
    const rv = lease.metadata.resourceVersion ?? '';
    if (this.observed?.resourceVersion !== rv) this.observed = { resourceVersion: rv, at: now };
    const holder = lease.spec.holderIdentity ?? '';
    const ours = holder === this.options.identity;
    const leaseMs = (lease.spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    const expired = now - (this.observed?.at ?? now) >= leaseMs;
    if (holder && !ours && !expired) return false;
    const spec = {
      ...lease.spec,
      holderIdentity: this.options.identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: time,
      ...(ours ? {} : { acquireTime: time, leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 }),
    };
    try {
      await this.kube.replace({ apiVersion: LeaseApiVersion, kind: 'Lease', metadata: lease.metadata, spec });
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.statusCode === 409) return false;
      throw error;
    }
  }

  /** Empties the holder so a standby takes over at its next retry instead of after a lease duration. */
  async release(): Promise<void> {
    const lease = await this.read();
    if (!lease || lease.spec.holderIdentity !== this.options.identity) return;
    await this.kube.replace({
      apiVersion: LeaseApiVersion, kind: 'Lease', metadata: lease.metadata,
      spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(new Date()) },
    });
  }
}

/** Lease times are MicroTime: RFC 3339 with microseconds. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
