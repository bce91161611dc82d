// The agent's fetch under git server faults: the real daemon in-process, the run's real
// kube-apiserver, real `git http-backend` with its fault controller (tools/testenv). Each fault
// hits while a new revision waits; the Sync must say FetchFailed (no secret in it), apply and prune
// nothing, and converge to the new revision once the server is healthy again.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually, installCrd } from '../daemon/test/daemon-harness.js';
import type { SyncReport } from '../reconcile/reconcile-sync.js';
import { startAgentHarness, type AgentHarness } from '../test/agent-harness.js';
import { conditionOf, expectRevisionA, expectRevisionB, revisionB, startFaultScenario, type ObservedStatus } from './test/fault-scenario.js';

const credentials = { username: 'agent', password: 'git-pass-a8f3c1d9e7' };
let h: AgentHarness;
let kubeconfig: string;

beforeAll(async () => {
  kubeconfig = inject('kubeconfigPath');
  h = await startAgentHarness(kubeconfig, {}, { auth: { basic: [credentials] } });
  await installCrd(kubeconfig);
});
afterAll(async () => {
  await h?.close();
});

interface FaultCase {
  /** Switches the fault on; returns what switches it off. */
  inject(): Promise<() => Promise<void>>;
  /** Text the Ready condition's message must contain while the fault lasts. */
  says: RegExp;
  /** Extra files in revision B (a big blob makes the pack long enough to cut). */
  extra?: Record<string, string>;
  config?: Parameters<typeof startFaultScenario>[4];
}

/** Revision B arrives during the fault: truthful failure, revision A intact, then B once healed. */
async function survive(prefix: string, fault: FaultCase): Promise<void> {
  const s = await startFaultScenario(h, kubeconfig, prefix, credentials, fault.config ?? {});
  try {
    const heal = await fault.inject();
    const second = await s.commit(revisionB(fault.extra));
    const failing = await eventually('FetchFailed in status', 30_000, async () => {
      const status = await s.status();
      return conditionOf(status, 'Ready')?.reason === 'FetchFailed' ? status : undefined;
    });
    expect(conditionOf(failing, 'Ready')).toMatchObject({ status: 'False', message: expect.stringMatching(fault.says) });
    expect(conditionOf(failing, 'Reconciling')).toMatchObject({ status: 'True', reason: 'ProgressingWithRetry' });
    expect(conditionOf(failing, 'Stalled')).toBeUndefined();
    expect(failing.lastAppliedRevision).toBe(s.first);
    // The agent keeps retrying under the fault: still nothing of B, nothing pruned.
    await eventually('a second failed attempt', 20_000, async () => s.reports.filter((r) => r.reason === 'FetchFailed').length >= 2);
    await expectRevisionA(h, s.ns);

    await heal();
    const healed = await eventually('revision B applied', 30_000, async () => {
      const status = await s.status();
      return status.lastAppliedRevision === second && conditionOf(status, 'Ready')?.status === 'True' ? status : undefined;
    });
    expect(conditionOf(healed, 'Ready')).toMatchObject({ reason: 'ReconciliationSucceeded', message: expect.stringContaining(`applied revision ${second.slice(0, 12)}`) });
    expect(conditionOf(healed, 'Reconciling')).toBeUndefined();
    expect(healed).toMatchObject({ lastAttemptedRevision: second, inventorySize: 3 });
    await expectRevisionB(h, s.ns);
    expectNoSecret(failing, healed, s.agent.logs, s.reports);
  } finally {
    h.git.faults.clear();
    await h.git.acceptConnections();
    await s.stop();
  }
}

function expectNoSecret(failing: ObservedStatus, healed: ObservedStatus, logs: string[], reports: SyncReport[]): void {
  const everything = JSON.stringify([failing, healed, logs, reports]);
  expect(everything).not.toContain(credentials.password);
  expect(everything).not.toContain(Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64'));
}

describe('agent fetch under git server faults', () => {
  it('server down (connection accepted, then closed without an answer)', async () => {
    await survive('git-down', {
      inject: async () => {
        const fault = h.git.faults.inject({ kind: 'down' });
        return async () => fault.off();
      },
      says: /socket hang up|ECONNRESET/,
    });
  });

  it('server gone (connection refused)', async () => {
    await survive('git-refused', {
      inject: async () => {
        await h.git.refuseConnections();
        return () => h.git.acceptConnections();
      },
      says: /ECONNREFUSED/,
    });
  });

  it('server answering 503 and 500', async () => {
    await survive('git-5xx', {
      inject: async () => {
        const unavailable = h.git.faults.inject({ kind: 'status', status: 503, stage: 'advertise' });
        const broken = h.git.faults.inject({ kind: 'status', status: 500, stage: 'rpc' });
        return async () => {
          unavailable.off();
          broken.off();
        };
      },
      says: /git server answered HTTP 50[03]/,
    });
  });

  it('connection cut in the middle of the pack', async () => {
    let hits = 0;
    await survive('git-cut', {
      // 400 KB of incompressible data: the pack is far longer than the cut point; ls-refs answers are shorter.
      extra: { 'data/blob.txt': randomBytes(200_000).toString('hex') },
      inject: async () => {
        const fault = h.git.faults.inject({ kind: 'cut', afterBytes: 4_000, service: 'upload-pack', stage: 'rpc' });
        return async () => {
          hits = fault.hits;
          fault.off();
        };
      },
      says: /closed the connection in the middle of a response/,
    });
    expect(hits).toBeGreaterThanOrEqual(2);
  });

  it('server stalled: no answer within the idle timeout', async () => {
    await survive('git-stall', {
      config: { gitIdleTimeoutMs: 1_000 },
      inject: async () => {
        const fault = h.git.faults.inject({ kind: 'latency', ms: 60_000, service: 'upload-pack' });
        return async () => fault.off();
      },
      says: /the git server sent nothing for 1 s/,
    });
  });

  it('server slow but answering: one 6 s pause, then every request 300 ms late; the new revision applies without a failure', async () => {
    const s = await startFaultScenario(h, kubeconfig, 'git-slow', credentials);
    try {
      // Longer than Node's default 5 s socket timeout, shorter than the agent's 60 s idle limit.
      const pause = h.git.faults.inject({ kind: 'latency', ms: 6_000, stage: 'rpc', times: 1 });
      const fault = h.git.faults.inject({ kind: 'latency', ms: 300 });
      const second = await s.commit(revisionB());
      await eventually('revision B applied', 40_000, async () => {
        const status = await s.status();
        return status.lastAppliedRevision === second && conditionOf(status, 'Ready')?.status === 'True';
      });
      expect(pause.hits).toBe(1);
      // The ref listing (one request since the listings are shared) took the pause; the fetch's
      // requests (ref advertisement and pack) came late.
      expect(fault.hits).toBeGreaterThanOrEqual(2);
      fault.off();
      await expectRevisionB(h, s.ns);
      expect(s.reports.filter((r) => r.outcome === 'Failed' || r.outcome === 'Stalled')).toEqual([]);
    } finally {
      h.git.faults.clear();
      await s.stop();
    }
  });
});
