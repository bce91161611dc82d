import { FerryError } from '@ferry/manifest-model';
import { isSameSubject, readPromotionTrailers } from './core/format-promotion.js';
import type { ConfigRepository } from './ports.js';

/**
 * Before a promotion force-updates an existing promotion branch: its head commit must be a
 * promotion (or rollback) of the same app, environment and image repository, read strictly from
 * its trailers. Anything else (another image that once mapped to the same branch name, a human's
 * commit, a forged or damaged trailer block) is refused, so nothing is clobbered and nothing pushed.
 */
export async function checkBranchOwner(
  repo: ConfigRepository, branch: string, head: string, expected: { app: string; env: string; image: string },
): Promise<void> {
  const trailers = readPromotionTrailers(await repo.readCommitMessage(head));
  if (isSameSubject(trailers, expected)) return;
  const holds = trailers ? `a promotion of ${trailers.image} (app ${trailers.app}, environment ${trailers.env})` : 'a commit that is not a Ferry promotion (no valid Ferry trailers)';
  throw new FerryError('refused.branch-taken', `promotion branch ${branch} holds ${holds} at ${head.slice(0, 12)}, not a promotion of ${expected.image} (app ${expected.app}, environment ${expected.env}); it was left alone`, {
    hint: `if that branch and its pull request are stale, close the pull request and delete ${branch}, then run again`,
  });
}
