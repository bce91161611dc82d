/**
 * GitHub push webhooks: the signature (`X-Hub-Signature-256`, HMAC-SHA256 of the raw body with the
 * shared secret) is checked in constant time, each signed body is accepted once within a window, and
 * the Syncs whose url and ref match the push are asked to reconcile.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** True when `header` is `sha256=<hex>` of HMAC-SHA256(secret, body). Constant time in the digest. */
export function verifyGitHubSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!secret || !header?.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Remembers what was signed for `windowMs` (at most `capacity`, oldest forgotten first), keyed by
 * `replayKey`. Not the delivery id: `X-GitHub-Delivery` is not covered by the signature, so a
 * replayed body with a fresh id would pass. GitHub signs no timestamp, so a replay after the window
 * passes the signature check: it can only trigger a reconcile of what Git holds anyway, never apply
 * anything Git does not. This memory is per process; the daemon puts SharedReplayGuard
 * (shared-replay-guard.ts, Lease records in the agent's namespace) in front of it, so a replay to
 * another replica is refused too.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  constructor(private readonly windowMs = 24 * 3_600_000, private readonly capacity = 10_000, private readonly now: () => number = Date.now) {}

  /** True the first time a key is seen within the window. */
  accept(id: string): boolean {
    const now = this.now();
    for (const [key, at] of this.seen) {
      if (now - at < this.windowMs && this.seen.size < this.capacity) break;
      this.seen.delete(key);
    }
    if (this.seen.has(id)) return false;
    this.seen.set(id, now);
    return true;
  }
}

/**
 * What the guard remembers: the digest of the signed body. It holds the repository, ref, pushed
 * sha and GitHub's own timestamps, so a new push never collides with an earlier one, and no header
 * an attacker can change without the secret (delivery id, event name) makes a replay look new.
 */
export function replayKey(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Repository URLs compared without scheme, credentials, `.git` suffix, trailing slash or case. */
export function normalizeRepoUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '').replace(/\.git$/, '');
  const ssh = /^git@([^:]+):(.+)$/.exec(trimmed);
  if (ssh) return `${ssh[1]}/${ssh[2]}`.toLowerCase();
  try {
    const parsed = new URL(trimmed);
    return `${parsed.host}${parsed.pathname}`.replace(/\/+$/, '').toLowerCase();
  } catch {
    return trimmed.toLowerCase();
  }
}

export interface PushEvent {
  /** Every URL GitHub gives for the repository (clone, html, ssh, git). */
  urls: string[];
  /** Full ref, e.g. refs/heads/main. */
  ref: string;
  after?: string;
}

export function parsePushEvent(body: Buffer): PushEvent | undefined {
  let payload: { ref?: unknown; after?: unknown; repository?: Record<string, unknown> };
  try {
    payload = JSON.parse(body.toString('utf8')) as typeof payload;
  } catch {
    return undefined;
  }
  if (typeof payload.ref !== 'string' || !payload.repository) return undefined;
  const urls = ['clone_url', 'html_url', 'ssh_url', 'git_url', 'url'].map((k) => payload.repository?.[k]).filter((u): u is string => typeof u === 'string');
  return { urls, ref: payload.ref, ...(typeof payload.after === 'string' ? { after: payload.after } : {}) };
}

/** Whether a Sync spec (`url`, `ref`) follows the pushed repository and ref. */
export function syncMatchesPush(spec: { url?: unknown; ref?: unknown }, push: PushEvent): boolean {
  if (typeof spec.url !== 'string') return false;
  const wanted = normalizeRepoUrl(spec.url);
  if (!push.urls.some((u) => normalizeRepoUrl(u) === wanted)) return false;
  const ref = (spec.ref ?? { branch: 'main' }) as { branch?: string; tag?: string; commit?: string };
  if (ref.branch !== undefined) return push.ref === `refs/heads/${ref.branch}`;
  if (ref.tag !== undefined) return push.ref === `refs/tags/${ref.tag}`;
  // A Sync pinned to a commit does not follow pushes.
  return false;
}

export interface WebhookResult {
  status: number;
  body: string;
  outcome: 'accepted' | 'forged' | 'replayed' | 'invalid' | 'ignored';
}

export interface GitHubWebhookDeps {
  secret: string;
  /** The replay guard: in-process (ReplayGuard) or across replicas (SharedReplayGuard). */
  replay: { accept(key: string): boolean | Promise<boolean> };
  findSyncs(matches: (spec: { url?: unknown; ref?: unknown }) => boolean): Array<{ namespace: string; name: string }>;
  requestReconcile(sync: { namespace: string; name: string }, token: string): Promise<void>;
}

/** Handles one delivery. Order matters: signature first (nothing is learnt from a forged request), then replay. */
export async function handleGitHubWebhook(headers: Record<string, string | string[] | undefined>, body: Buffer, deps: GitHubWebhookDeps): Promise<WebhookResult> {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  if (!verifyGitHubSignature(deps.secret, body, header('x-hub-signature-256'))) {
    return { status: 401, body: 'signature does not match\n', outcome: 'forged' };
  }
  const delivery = header('x-github-delivery');
  if (!delivery) return { status: 400, body: 'missing X-GitHub-Delivery\n', outcome: 'invalid' };
  if (!(await deps.replay.accept(replayKey(body)))) return { status: 409, body: 'this signed delivery was already received\n', outcome: 'replayed' };
  const event = header('x-github-event');
  if (event === 'ping') return { status: 200, body: 'pong\n', outcome: 'accepted' };
  if (event !== 'push') return { status: 202, body: `event ${event ?? '(none)'} ignored\n`, outcome: 'ignored' };
  const push = parsePushEvent(body);
  if (!push) return { status: 400, body: 'not a push payload (no ref or repository)\n', outcome: 'invalid' };
  const syncs = deps.findSyncs((spec) => syncMatchesPush(spec, push));
  const token = `${new Date().toISOString()} github:${delivery}`;
  await Promise.all(syncs.map((s) => deps.requestReconcile(s, token)));
  return { status: 202, body: `${JSON.stringify({ syncs: syncs.map((s) => `${s.namespace}/${s.name}`) })}\n`, outcome: 'accepted' };
}
