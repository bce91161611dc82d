import { editYaml, FerryError, parseFerryConfig, parseYamlFile, resolveAppEnvironment } from '@ferry/manifest-model';
import { formatReleaseHoldBranch } from '../core/format-promotion.js';
import { markdownCode } from '../core/markdown-text.js';
import { checkPromotionName, checkPromotionText, escapeControlCharacters } from '../core/promotion-input.js';
import { openOrUpdatePullRequest, requestMerge, type PullRequestHost } from '../core/pull-request-flow.js';
import type { ConfigRepository } from '../ports.js';

export interface ReleaseHoldOptions {
  repo: ConfigRepository;
  host?: PullRequestHost | undefined;
  app: string;
  env: string;
  push: 'pr' | 'direct';
  autoMerge?: boolean | undefined;
  by?: string | undefined;
  /** Rejected pushes (the branch moved) re-read ferry.yaml and try again, this many times. */
  attempts?: number | undefined;
}

export interface ReleaseHoldResult {
  outcome: 'released' | 'pull-request' | 'not-held';
  message: string;
  commit?: string;
  mergeSha?: string;
  pullRequest?: { number: number; url: string };
}

const CONFIG_FILE = 'ferry.yaml';

/**
 * Removes `apps.<app>.environments.<env>.hold` from ferry.yaml (only those lines change), as a
 * commit on the default branch (`direct`, compare-and-swap, re-read on conflict) or a pull request.
 */
export async function releaseHold(options: ReleaseHoldOptions): Promise<ReleaseHoldResult> {
  const { repo, app, env } = options;
  checkPromotionName(app, 'the app name');
  checkPromotionName(env, 'the environment');
  if (options.by !== undefined) checkPromotionText(options.by, 'the author (by)');
  for (let attempt = 1; ; attempt++) {
    const base = await repo.fetchDefaultBranch();
    if (base === null) throw new FerryError('target.not-found', 'the repository is empty (no default branch)', { hint: 'check --repo' });
    const text = (await repo.readFiles(base.head, [CONFIG_FILE])).get(CONFIG_FILE);
    if (!text) throw new FerryError('config.not-found', `${CONFIG_FILE} not found on ${base.branch}`);
    const hold = resolveAppEnvironment(parseFerryConfig(text, CONFIG_FILE), app, env).hold;
    if (!hold) return { outcome: 'not-held', message: `${app} in ${env} is not on hold; nothing to release` };
    const { content } = editYaml(parseYamlFile(text, CONFIG_FILE), [{ op: 'delete', document: 0, path: ['apps', app, 'environments', env, 'hold'] }]);
    if (resolveAppEnvironment(parseFerryConfig(content, CONFIG_FILE), app, env).hold) throw new FerryError('edit.verify-failed', `${CONFIG_FILE}: the hold of ${app} in ${env} could not be removed`);
    // The hold's reason and author come from ferry.yaml: shown on one line, never as a new paragraph.
    const was = escapeControlCharacters(`${hold.reason}${hold.by ? ` (by ${hold.by})` : ''}`);
    const message = `release the hold on ${app} in ${env}\n\nWas: ${was}${options.by ? `\nReleased by: ${options.by}` : ''}\n`;
    const commit = await repo.writeCommit({ parent: base.head, files: [{ path: CONFIG_FILE, content }], message });
    if (options.push === 'direct') {
      if ((await repo.pushBranch({ branch: base.branch, commit, expected: base.head })) === 'pushed') {
        return { outcome: 'released', commit, mergeSha: commit, message: `released the hold on ${app} in ${env} (commit ${commit.slice(0, 12)} on ${base.branch})` };
      }
      if (attempt >= (options.attempts ?? 5)) throw new FerryError('git.conflict', `${base.branch} kept moving; the hold was not released`, { hint: 'run again' });
      continue;
    }
    if (!options.host) throw new FerryError('input.missing-auth', 'releasing through a pull request needs GitHub credentials', { hint: 'set FERRY_GITHUB_TOKEN, or use --push direct' });
    const branch = formatReleaseHoldBranch(env, app);
    const seen = await repo.resolveBranch(branch);
    if ((await repo.pushBranch({ branch, commit, expected: seen })) === 'rejected') {
      if (attempt >= (options.attempts ?? 5)) throw new FerryError('git.conflict', `${branch} kept moving; the hold was not released`, { hint: 'run again' });
      continue;
    }
    const opened = await openOrUpdatePullRequest(options.host, {
      head: branch, base: base.branch, title: `Release the hold on ${app} in ${env}`,
      body: `Removes the hold on **${app}** in **${env}** from ferry.yaml; automated promotions go through again.\n\nThe hold said: ${markdownCode(hold.reason)}${hold.by ? ` (by ${markdownCode(hold.by)})` : ''}\n`,
      labels: [], reviewers: [], teamReviewers: [],
    });
    const pr = { ...opened.pr, headSha: opened.pr.headSha || commit };
    const result: ReleaseHoldResult = { outcome: 'pull-request', commit, pullRequest: { number: pr.number, url: pr.url }, message: `opened pull request #${pr.number} (${pr.url}) releasing the hold on ${app} in ${env}` };
    if (options.autoMerge) {
      const merge = await requestMerge(options.host, pr, 'squash', true);
      if (merge.mode === 'merged') return { ...result, outcome: 'released', mergeSha: merge.sha, message: `merged pull request #${pr.number} as ${merge.sha.slice(0, 12)}: released the hold on ${app} in ${env}` };
      // The forge merges once its checks pass (GitHub auto-merge, Gitea "merge when checks succeed").
      if (merge.mode === 'auto-merge') return { ...result, message: `opened pull request #${pr.number} (${pr.url}) releasing the hold on ${app} in ${env}; it merges when its checks pass` };
    }
    return result;
  }
}
