import { isSameRepository } from '@ferry/manifest-model';
import { formatGroupPullRequest } from './core/format-group-promotion.js';
import type { PromotionDescription } from './core/format-promotion.js';
import { planPromotion, type PromotionTarget } from './core/plan-promotion.js';
import { readPromotionRecordSet } from './core/promotion-trailers.js';
import type { PullRequestHost } from './core/pull-request-flow.js';
import type { ConfigRepository } from './ports.js';

export interface SettleGroupPullRequestInput {
  repo: ConfigRepository;
  host: PullRequestHost;
  /** Every app of the group, in the order given (their targets as this run resolved them). */
  targets: PromotionTarget[];
  prBranch: string;
  prNumber: number;
  /** The commit whose promotion this run just wrote into the title and body. */
  described: string;
  /** The group's files at the base commit, to describe the head's promotion against. */
  baseFiles: Map<string, string | null>;
  maxRounds?: number;
}

/**
 * settlePullRequestText for a group: concurrent runs of one group can write their titles in the
 * other order than they pushed. The run that wrote last finds the branch moved past the commit it
 * described and describes the head's promotion from its per-app trailers, then checks again.
 */
export async function settleGroupPullRequestText(input: SettleGroupPullRequestInput): Promise<'settled' | 'redescribed'> {
  const { repo, host, targets, prBranch, prNumber, baseFiles } = input;
  let described = input.described;
  let outcome: 'settled' | 'redescribed' = 'settled';
  for (let round = 0; round < (input.maxRounds ?? 20); round++) {
    const head = await repo.resolveBranch(prBranch);
    if (head === null || head === described) return outcome;
    if ((await repo.fetchBranch(prBranch)) !== head) continue;
    const records = readPromotionRecordSet(await repo.readCommitMessage(head));
    if (!records?.length) return outcome;
    const working = new Map(baseFiles);
    const descriptions: PromotionDescription[] = [];
    for (const target of targets) {
      const record = records.find((r) => r.app === target.app && r.env === target.env && isSameRepository(r.reference, target.image));
      if (!record) continue;
      const plan = planPromotion({ target: { ...target, policy: { allowDowngrade: true }, hold: undefined, guards: undefined }, version: { tag: record.reference.tag, digest: record.reference.digest }, files: working, onOlder: 'skip' });
      if (plan.outcome !== 'change') continue;
      for (const edit of plan.edits) working.set(edit.path, edit.content);
      descriptions.push({
        app: target.app, env: target.env, image: target.image, from: plan.from, to: plan.to, files: plan.files,
        sourceCommit: record.sourceCommit, buildUrl: record.buildUrl, buildTime: record.buildTime, gateOverride: record.gateOverride,
      });
    }
    if (descriptions.length !== records.length) return outcome; // a record this group cannot describe: leave the text alone
    const text = formatGroupPullRequest(descriptions, targets.map((t) => t.app));
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
