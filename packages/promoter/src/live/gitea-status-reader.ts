// Commit statuses from Gitea (or Forgejo): the latest per context, as the agents posted them.
import { FerryError } from '@ferry/manifest-model';
import { excerptResponse } from '@ferry/git-http';
import { giteaApiBase } from '../adapters/gitea-host.js';
import type { CommitStatusReader, ReportedStatus } from './cluster-status.js';

export interface GiteaStatusReaderOptions {
  owner: string;
  repo: string;
  /** Gitea's base URL or its …/api/v1. */
  apiUrl: string;
  /** A token that can read the repository (sent as `Authorization: token ...`, never printed). */
  token: string;
}

interface GiteaStatus { context: string; status: string; description: string | null; created_at?: string }

const PAGE = 50;

/**
 * `GET /repos/{owner}/{repo}/commits/{sha}/status`: Gitea's combined status, one entry per context
 * (the latest). Gitea's extra state `warning` counts as pending: not a verdict either way.
 */
export function createGiteaStatusReader(options: GiteaStatusReaderOptions): CommitStatusReader {
  const api = giteaApiBase(options.apiUrl);
  const headers = { authorization: `token ${options.token}`, accept: 'application/json', 'user-agent': 'ferry-promote' };
  return {
    async listStatuses(sha) {
      const what = `read the commit statuses of ${sha.slice(0, 12)}`;
      const statuses: GiteaStatus[] = [];
      for (let page = 1; page <= 10; page++) {
        let response: Response;
        try {
          response = await fetch(`${api}/repos/${encodeURIComponent(options.owner)}/${encodeURIComponent(options.repo)}/commits/${sha}/status?limit=${PAGE}&page=${page}`, { headers, signal: AbortSignal.timeout(30_000) });
        } catch (err) {
          throw new FerryError('gitea.transient', `${what}: ${excerptResponse((err as Error).message)}`, { cause: err });
        }
        const text = await response.text();
        if (response.status === 404) return [];
        if (!response.ok) {
          const code = response.status === 401 || response.status === 403 ? 'gitea.auth' : response.status === 429 || response.status >= 500 ? 'gitea.transient' : 'gitea.failed';
          throw new FerryError(code, `${what}: HTTP ${response.status}: ${excerptResponse(text)}`);
        }
        const batch = ((JSON.parse(text) as { statuses?: GiteaStatus[] | null }).statuses ?? []);
        statuses.push(...batch);
        if (batch.length < PAGE) break;
      }
      return statuses.map((s): ReportedStatus => ({
        context: s.context,
        state: s.status === 'success' || s.status === 'failure' || s.status === 'error' ? s.status : 'pending',
        description: s.description ?? '',
        ...(s.created_at ? { createdAt: s.created_at } : {}),
      }));
    },
  };
}
