import { formatPullRequest, isSameSubject, readPromotionTrailers } from './core/format-promotion.js';
import { planPromotion, type PromotionTarget } from './core/plan-promotion.js';
import type { PullRequestHost } from './core/pull-request-flow.js';
import type { ConfigRepository } from './ports.js';

/** What settling a promotion pull request's text needs, whoever describes the promotion. */
export interface SettlePullRequestBase {
  repo: ConfigRepository;
  host: PullRequestHost;
  prBranch: string;
  prNumber: number;
  /** The commit whose promotion this run just wrote into the title and body. */
  described: string;
  /** Target files at the base commit, to describe the head's promotion against. */
  baseFiles: Map<string, string | null>;
  /** Bounds the loop: each round needs another run to have pushed meanwhile. */
  maxRounds?: number;
}

export interface SettlePullRequestInput extends SettlePullRequestBase {
  target: PromotionTarget;
}

/**
 * Concurrent builds of one app: a newer run can push and write its title while an older, slower run
 * is still about to write its own, so the PR would name the older version while the branch holds
 * the newer. Only the run that wrote last can notice, by finding the branch moved past the commit it
 * described: it then describes the head's promotion (from the head commit's trailers) and checks again. Any later push writes its own title after our last check.
 */
export function settlePullRequestText(input: SettlePullRequestInput): Promise<'settled' | 'redescribed'> {
  const { target, baseFiles } = input;
  return settleDescribedHead(input, (message) => {
    // Not a promotion of ours we can describe: a rollback writes its own text; a human commit or a
    // damaged or forged trailer block (readPromotionTrailers is strict) is never described.
    const trailers = readPromotionTrailers(message);
    if (!trailers || trailers.rollbackFrom !== undefined || !isSameSubject(trailers, target)) return null;
    const image = trailers.reference;
    const plan = planPromotion({ target, version: { tag: image.tag, digest: image.digest, buildTime: trailers.buildTime }, files: baseFiles, onOlder: 'skip' });
    if (plan.outcome !== 'change') return null;
    return formatPullRequest({
      app: target.app, env: target.env, image: target.image, from: plan.from, to: plan.to, files: plan.files,
      sourceCommit: trailers.sourceCommit, buildUrl: trailers.buildUrl, buildTime: trailers.buildTime, gateOverride: trailers.gateOverride,
    });
  });
}

/**
 * The settling loop of a single or a group promotion: while the branch has moved past the commit
 * last described, `describe` the head from its commit message (null: not ours to describe, leave the
 * text alone) and write that text when the open PR says otherwise.
 */
export async function settleDescribedHead(input: SettlePullRequestBase, describe: (message: string) => { title: string; body: string } | null): Promise<'settled' | 'redescribed'> {
  const { repo, host, prBranch, prNumber } = input;
  let described = input.described;
  let outcome: 'settled' | 'redescribed' = 'settled';
  for (let round = 0; round < (input.maxRounds ?? 20); round++) {
    const head = await repo.resolveBranch(prBranch);
    if (head === null || head === described) return outcome;
    if ((await repo.fetchBranch(prBranch)) !== head) continue; // moved again between the two calls
    const text = describe(await repo.readCommitMessage(head));
    if (!text) return outcome;
    const pr = await host.getPullRequest(prNumber);
    if (pr.state !== 'open') return outcome;
    if (pr.title !== text.title || pr.body !== text.body) {
      await host.updatePullRequest(prNumber, text);
      outcome = 'redescribed';
    }
    described = head;
  }
  return outcome;
}
