import { checkClusterName, FerryError, formatStatusContext } from '@ferry/manifest-model';
import type { CommitState, CommitStatus, CommitStatusPort, ReportedTarget, SyncReport, SyncReporter, SyncTarget } from '../ports.js';
import { describeApplying, repositoryOf, statusOfReport } from './commit-status.js';

export interface CommitStatusReporterOptions {
  port: CommitStatusPort;
  /** This cluster's name in the status context (`ferry/<cluster>/...`). */
  cluster: string;
  /** Link shown with each status (a dashboard), optional. */
  targetUrl?: string | undefined;
  /** A status that could not be posted: logged by the app; the reconcile goes on. */
  onError?: (error: FerryError, status: CommitStatus) => void;
}

/**
 * Reports each Sync's progress as a commit status on the revision it applies. Posts only on
 * change, so the periodic drift check of an applied revision costs no API call (GitHub also caps
 * statuses per commit and context at 1000): a revision already reported is not "applying" again,
 * and a success on the same revision is not repeated because its counts changed. Failures are
 * re-posted when their reason changes. A suspended Sync posts pending "suspended: ..." once on the
 * revision it last applied (see statusOfReport).
 */
export class CommitStatusReporter implements SyncReporter {
  readonly #options: CommitStatusReporterOptions;
  readonly #lastPosted = new Map<string, string>();

  constructor(options: CommitStatusReporterOptions) {
    const problem = checkClusterName(options.cluster);
    if (problem) throw new FerryError('usage', problem, { hint: 'pass --cluster NAME' });
    this.#options = options;
  }

  async applying(target: SyncTarget, revision: string): Promise<void> {
    const last = this.#lastPosted.get(this.#key(target));
    if (last?.startsWith(`${revision}|`)) return;
    await this.#post(target, revision, 'pending', describeApplying(revision));
  }

  #key(target: ReportedTarget): string {
    return `${target.spec?.url ?? ''}@${formatStatusContext(this.#options.cluster, target.identity)}`;
  }

  async finished(target: ReportedTarget, report: SyncReport): Promise<void> {
    const status = statusOfReport(report);
    if (!status) return;
    await this.#post(target, status.sha, status.state, status.description);
  }

  async #post(target: ReportedTarget, sha: string, state: CommitState, description: string): Promise<void> {
    const repository = target.spec ? repositoryOf(target.spec.url) : null;
    if (!repository || !/^[0-9a-f]{40}$/.test(sha)) return;
    const context = formatStatusContext(this.#options.cluster, target.identity);
    const status: CommitStatus = { repository, sha, state, context, description, ...(this.#options.targetUrl ? { targetUrl: this.#options.targetUrl } : {}) };
    const key = this.#key(target);
    // Success is not repeated because its counts changed; pending is "applying <sha>" or "suspended: ...".
    const fingerprint = state === 'success' ? `${sha}|${state}` : `${sha}|${state}|${description}`;
    if (this.#lastPosted.get(key) === fingerprint) return;
    try {
      await this.#options.port.postStatus(status);
      this.#lastPosted.set(key, fingerprint);
    } catch (error) {
      const ferry = error instanceof FerryError ? error : new FerryError('status.failed', `posting commit status ${context}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      this.#options.onError?.(ferry, status);
    }
  }
}
