import { isSameRepository } from '@ferry/manifest-model';
import { formatGroupPullRequest } from './core/format-group-promotion.js';
import type { PromotionDescription } from './core/format-promotion.js';
import { planPromotion, type PromotionTarget } from './core/plan-promotion.js';
import { readPromotionRecordSet } from './core/promotion-trailers.js';
import { settleDescribedHead, type SettlePullRequestBase } from './settle-pull-request.js';

export interface SettleGroupPullRequestInput extends SettlePullRequestBase {
  /** Every app of the group, in the order given (their targets as this run resolved them). */
  targets: PromotionTarget[];
}

/**
 * settlePullRequestText for a group: concurrent runs of one group can write their titles in the
 * other order than they pushed. The run that wrote last finds the branch moved past the commit it
 * described and describes the head's promotion from its per-app trailers, then checks again.
 */
export function settleGroupPullRequestText(input: SettleGroupPullRequestInput): Promise<'settled' | 'redescribed'> {
  const { targets, baseFiles } = input;
  return settleDescribedHead(input, (message) => {
    const records = readPromotionRecordSet(message);
    if (!records?.length) return null;
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
    if (descriptions.length !== records.length) return null; // a record this group cannot describe: leave the text alone
    return formatGroupPullRequest(descriptions, targets.map((t) => t.app));
  });
}
