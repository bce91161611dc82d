/**
 * Gitea (and Forgejo) push webhooks: `X-Gitea-Signature` is the hex HMAC-SHA256 of the raw body
 * with the shared secret (no `sha256=` prefix, unlike GitHub), checked in constant time; the same
 * replay guard as GitHub's, keyed on the signed body; the Syncs whose url and ref match the push
 * are asked to reconcile. Forgejo sends the same `X-Gitea-*` headers beside its own.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parsePushEvent, replayKey, syncMatchesPush, type GitHubWebhookDeps, type WebhookResult } from './github-webhook.js';

/** True when `header` is the hex HMAC-SHA256(secret, body). Constant time in the digest. */
export function verifyGiteaSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!secret || !header || !/^[0-9a-fA-F]{64}$/.test(header.trim())) return false;
  const given = Buffer.from(header.trim(), 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The same needs as the GitHub handler: secret, replay guard, Sync lookup, reconcile request. */
export type GiteaWebhookDeps = GitHubWebhookDeps;

/** Handles one delivery. Signature first (nothing is learnt from a forged request), then replay, then the event. */
export async function handleGiteaWebhook(headers: Record<string, string | string[] | undefined>, body: Buffer, deps: GiteaWebhookDeps): Promise<WebhookResult> {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  if (!verifyGiteaSignature(deps.secret, body, header('x-gitea-signature'))) {
    return { status: 401, body: 'signature does not match\n', outcome: 'forged' };
  }
  if (!(await deps.replay.accept(replayKey(body)))) return { status: 409, body: 'this signed delivery was already received\n', outcome: 'replayed' };
  const event = header('x-gitea-event');
  if (event !== 'push') return { status: 202, body: `event ${event ?? '(none)'} ignored\n`, outcome: 'ignored' };
  const push = parsePushEvent(body);
  if (!push) return { status: 400, body: 'not a push payload (no ref or repository)\n', outcome: 'invalid' };
  const syncs = deps.findSyncs((spec) => syncMatchesPush(spec, push));
  // The delivery id is not signed: it only labels the request in the Sync's annotation and logs.
  const delivery = header('x-gitea-delivery');
  const token = `${new Date().toISOString()} gitea:${delivery ?? (push.after ?? 'push').slice(0, 12)}`;
  await Promise.all(syncs.map((s) => deps.requestReconcile(s, token)));
  return { status: 202, body: `${JSON.stringify({ syncs: syncs.map((s) => `${s.namespace}/${s.name}`) })}\n`, outcome: 'accepted' };
}
