// Issue 17 against the real kube-apiserver and git http-backend with basic auth, through the code
// path of `sync --all` and the daemon (loadSyncTargets, then reconcile or report the invalid Sync),
// with ONE shared git cache as in the agent:
// - bug 2: a Sync without (or with wrong) credentials pinned to a commit that another Sync fetched
//   from a private repository is refused and applies nothing;
// - risk 1: a Secret is sent only to hosts it opted in for, and a refused one reaches no server;
// - risk 2: a failing server's body reaches the Sync status only as a short redacted excerpt.
import { expectNoSecrets, startGitServer, TEST_GIT_PASSWORD, TEST_WRONG_GIT_PASSWORD, type GitServer } from '@ferry/testenv';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { renderSource } from './renderers/render-source.js';
import { installCrd, createSync, getSync } from '../daemon/test/daemon-harness.js';
import { reconcileSync, reportInvalidSync, type ReconcileDeps, type SyncReport } from '../reconcile/reconcile-sync.js';
import { configMap, createSource, ensureNamespace, getConfigMap, startAgentHarness, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { applyGitCredentialsSecret } from '../test/git-credentials-secret.js';
import { isInvalidSync, loadSyncTargets } from './sync-store.js';

let h: AgentHarness;
let kubeconfig: string;
/** A server the Sync author controls: it must never see the credentials. */
let attacker: GitServer;
let gitHost: string;
const good = { username: 'agent', password: TEST_GIT_PASSWORD };

beforeAll(async () => {
  kubeconfig = inject('kubeconfigPath');
  h = await startAgentHarness(kubeconfig, {}, { auth: { basic: [good] } });
  await installCrd(kubeconfig);
  attacker = await startGitServer();
  gitHost = new URL(h.git.url).host;
});
afterAll(async () => {
  await attacker?.close();
  await h?.close();
});

const deps = (): ReconcileDeps => ({ kube: h.kube, source: h.source, renderer: { render: renderSource }, tools: h.tools, tmpDir: h.tmp });

/** One reconcile of a Sync object, as the daemon does it: load (with its Secret), then reconcile or report. */
async function reconcileObject(namespace: string, name: string): Promise<SyncReport> {
  const [target] = await loadSyncTargets(h.kube, { namespace, name });
  if (!target) throw new Error(`Sync ${namespace}/${name} not found`);
  const report = isInvalidSync(target) ? await reportInvalidSync(target, deps()) : await reconcileSync(target, deps(), { force: true, healthTimeoutMs: 5_000 });
  const status = (await getSync(h, namespace, name))?.status;
  expectNoSecrets(`${report.message}\n${JSON.stringify(status)}`, `Sync ${namespace}/${name}`);
  return report;
}

async function stalledMessage(namespace: string, name: string): Promise<string | undefined> {
  const conditions = ((await getSync(h, namespace, name))?.status as { conditions?: Array<{ type: string; status: string; message: string }> } | undefined)?.conditions;
  return conditions?.find((c) => c.type === 'Stalled' && c.status === 'True')?.message;
}

describe('the shared git cache (bug 2)', () => {
  it('a Sync without credentials, or with wrong or rotated ones, never gets the private commit another Sync fetched', async () => {
    const ns = uniqueName('git-cache');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, {
      'team-a/cm.yaml': configMap('team-a-config', { db: 'internal' }),
      'team-b/cm.yaml': configMap('stolen', { from: 'private repo' }),
      'team-c/cm.yaml': configMap('team-c-config', { v: '1' }),
    });
    await applyGitCredentialsSecret(h.kube, ns, 'git-auth', good, { hosts: [gitHost] });
    await applyGitCredentialsSecret(h.kube, ns, 'wrong-auth', { username: 'agent', password: TEST_WRONG_GIT_PASSWORD }, { hosts: [gitHost] });

    // Sync A, with credentials: fetches the private commit into the shared cache and applies.
    await createSync(kubeconfig, ns, 'a', { url: src.url, path: 'team-a', secretRef: { name: 'git-auth' } });
    expect((await reconcileObject(ns, 'a')).outcome).toBe('Applied');
    expect((await getConfigMap(h, ns, 'team-a-config'))?.data).toEqual({ db: 'internal' });

    // Syncs without or with wrong credentials, pinned to that commit, to the branch, to a path A never read.
    const cases: Array<{ name: string; spec: Record<string, unknown>; says: RegExp; user: string | undefined }> = [
      { name: 'b-commit', spec: { ref: { commit: src.first } }, says: /requires credentials \(HTTP 401.*sends none/, user: undefined },
      { name: 'b-commit-wrong', spec: { ref: { commit: src.first }, secretRef: { name: 'wrong-auth' } }, says: /refused the credentials \(HTTP 401/, user: 'agent' },
      { name: 'b-branch', spec: { ref: { branch: 'main' } }, says: /requires credentials \(HTTP 401/, user: undefined },
      { name: 'b-branch-wrong', spec: { ref: { branch: 'main' }, secretRef: { name: 'wrong-auth' } }, says: /refused the credentials \(HTTP 401/, user: 'agent' },
    ];
    for (const c of cases) {
      await createSync(kubeconfig, ns, c.name, { url: src.url, path: 'team-b', ...c.spec });
      const before = h.git.requests.length;
      const report = await reconcileObject(ns, c.name);
      expect({ name: c.name, outcome: report.outcome, reason: report.reason }).toEqual({ name: c.name, outcome: 'Stalled', reason: 'FetchFailed' });
      expect(await stalledMessage(ns, c.name)).toMatch(c.says);
      expect(report.changes).toEqual([]);
      // It asked the server itself, with its own credentials, and was refused.
      const asked = h.git.requests.slice(before);
      expect(asked.length).toBeGreaterThan(0);
      expect(asked.every((r) => r.status === 401 && r.authUser === c.user)).toBe(true);
    }
    expect(await getConfigMap(h, ns, 'stolen')).toBeUndefined();

    // A Sync pinned to the commit with good credentials applies; its Secret rotated to a wrong
    // password loses access at the next reconcile: Stalled, nothing applied or pruned.
    await applyGitCredentialsSecret(h.kube, ns, 'c-auth', good, { hosts: [gitHost] });
    await createSync(kubeconfig, ns, 'c', { url: src.url, path: 'team-c', ref: { commit: src.first }, secretRef: { name: 'c-auth' } });
    expect((await reconcileObject(ns, 'c')).outcome).toBe('Applied');
    await applyGitCredentialsSecret(h.kube, ns, 'c-auth', { username: 'agent', password: TEST_WRONG_GIT_PASSWORD }, { hosts: [gitHost] });
    const rotated = await reconcileObject(ns, 'c');
    expect(rotated.outcome).toBe('Stalled');
    expect(rotated.error?.code).toBe('source.auth');
    expect(rotated.prune.deleted).toEqual([]);
    expect((await getConfigMap(h, ns, 'team-c-config'))?.data).toEqual({ v: '1' });
  });
});

describe('git credentials only for the hosts their Secret opted in for (risk 1)', () => {
  it('refuses a Secret without the opt-in or for another host before any request; the opted-in one works', async () => {
    const ns = uniqueName('git-optin');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, { 'app/cm.yaml': configMap('opted-in', { v: '1' }) });
    const bait = await attacker.createRepo(`evil/${ns}`, { seed: { 'app/cm.yaml': configMap('from-attacker', { v: '1' }) } });
    const attackerHost = new URL(attacker.url).host;
    // A database password the tenant may name but must not be able to send anywhere.
    await applyGitCredentialsSecret(h.kube, ns, 'db-password', { username: 'agent', password: TEST_GIT_PASSWORD }, { optIn: false });
    await applyGitCredentialsSecret(h.kube, ns, 'no-hosts', good, {});
    await applyGitCredentialsSecret(h.kube, ns, 'for-example-com', good, { hosts: ['git.example.com'] });
    await applyGitCredentialsSecret(h.kube, ns, 'git-auth', good, { hosts: [gitHost] });

    const refused: Array<{ name: string; secret: string; url: string; code: string; says: RegExp }> = [
      { name: 'no-opt-in', secret: 'db-password', url: bait.url, code: 'sync.secret-not-opted-in', says: new RegExp(`Secret ${ns}/db-password .*not marked as git credentials \\(label ferry\\.dev/git-credentials: "true"\\); nothing was sent`) },
      { name: 'no-opt-in-own-server', secret: 'db-password', url: src.url, code: 'sync.secret-not-opted-in', says: /not marked as git credentials/ },
      { name: 'no-hosts', secret: 'no-hosts', url: bait.url, code: 'sync.secret-hosts', says: new RegExp(`Secret ${ns}/no-hosts .*annotation ferry\\.dev/git-hosts`) },
      { name: 'other-host', secret: 'for-example-com', url: bait.url, code: 'sync.secret-host-denied', says: new RegExp(`may be sent to git\\.example\\.com:80 .*not to ${attackerHost.replace(/\./g, '\\.')} of spec\\.url; nothing was sent`) },
      { name: 'other-port', secret: 'git-auth', url: bait.url, code: 'sync.secret-host-denied', says: new RegExp(`may be sent to ${gitHost.replace(/\./g, '\\.')} .*not to ${attackerHost.replace(/\./g, '\\.')}`) },
    ];
    const gitBefore = h.git.requests.length;
    for (const c of refused) {
      await createSync(kubeconfig, ns, c.name, { url: c.url, path: 'app', secretRef: { name: c.secret } });
      const report = await reconcileObject(ns, c.name);
      expect({ name: c.name, outcome: report.outcome, reason: report.reason, code: report.error?.code }).toEqual({ name: c.name, outcome: 'Stalled', reason: 'InvalidConfig', code: c.code });
      expect(await stalledMessage(ns, c.name)).toMatch(c.says);
    }
    // Neither server saw a single request of these Syncs, with or without the credentials.
    expect(attacker.requests).toEqual([]);
    expect(h.git.requests.slice(gitBefore)).toEqual([]);
    expect(await getConfigMap(h, ns, 'from-attacker')).toBeUndefined();

    await createSync(kubeconfig, ns, 'opted-in', { url: src.url, path: 'app', secretRef: { name: 'git-auth' } });
    expect((await reconcileObject(ns, 'opted-in')).outcome).toBe('Applied');
    expect((await getConfigMap(h, ns, 'opted-in'))?.data).toEqual({ v: '1' });
    expect(h.git.requests.slice(gitBefore).every((r) => r.authUser === 'agent' && r.status === 200)).toBe(true);
  });
});

describe('a failing git server in the Sync status (risk 2)', () => {
  it('shows the status line and a short redacted excerpt, not the body', async () => {
    const ns = uniqueName('git-500');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, { 'app/cm.yaml': configMap('never', { v: '1' }) });
    await applyGitCredentialsSecret(h.kube, ns, 'git-auth', good, { hosts: [gitHost] });
    await createSync(kubeconfig, ns, 'app', { url: src.url, path: 'app', secretRef: { name: 'git-auth' } });
    const body = [
      '<html><h1>upstream failed</h1>',
      'dial tcp 10.96.0.15:5432 (pg-primary.payments.svc.cluster.local): password=It5-a-s3cret rejected',
      `session ${'q7'.repeat(24)}`,
      'z'.repeat(3_000),
      'admin console at https://admin.corp.internal/',
    ].join('\n');
    const fault = h.git.faults.inject({ kind: 'status', status: 500, repo: `acme/${ns}`, message: body });
    try {
      const report = await reconcileObject(ns, 'app');
      expect(report.outcome).toBe('Failed');
      const ready = ((await getSync(h, ns, 'app'))?.status as { conditions?: Array<{ type: string; reason: string; message: string }> }).conditions?.find((c) => c.type === 'Ready');
      expect(ready?.reason).toBe('FetchFailed');
      expect(ready?.message).toMatch(/the git server answered HTTP 500 Internal Server Error: upstream failed dial tcp \*\*\*/);
      const excerpt = ready!.message.slice(ready!.message.indexOf('Internal Server Error: ') + 'Internal Server Error: '.length);
      expect(excerpt.length).toBeLessThanOrEqual(200);
      expect(ready?.message).not.toMatch(/[\r\n]/);
      for (const leak of ['10.96.0.15', 'pg-primary', 'It5-a-s3cret', 'q7q7q7', 'admin.corp', '<h1>']) expect(ready?.message).not.toContain(leak);
      expect(fault.hits).toBeGreaterThan(0);
    } finally {
      fault.off();
    }
    expect(await getConfigMap(h, ns, 'never')).toBeUndefined();
  });
});
