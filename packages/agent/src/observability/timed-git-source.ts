import type { GitSource } from '../ports.js';
import type { AgentMetrics } from './metrics.js';

/** Wraps a GitSource to time remote operations into ferry_agent_git_fetch_duration_seconds. */
export function timeGitSource(source: GitSource, metrics: AgentMetrics, now: () => number = () => performance.now()): GitSource {
  const timed = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    const started = now();
    try {
      return await run();
    } finally {
      metrics.gitDuration.observe({ operation }, (now() - started) / 1000);
    }
  };
  return {
    resolveRemote: (url, ref, credentials, freshness) => timed('ls-remote', () => source.resolveRemote(url, ref, credentials, freshness)),
    fetchCommit: (url, ref, commit, credentials, freshness) => timed('fetch', () => source.fetchCommit(url, ref, commit, credentials, freshness)),
    readFiles: (url, commit, path, accept) => source.readFiles(url, commit, path, accept),
    readCommit: (url, commit) => source.readCommit(url, commit),
  };
}
