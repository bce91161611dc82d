import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { classifyGitError, createGitHttpClient, excerptResponse, gitAuthHeaders, readFileAtCommit, redactUrl } from '@ferry/git-http';
import { FerryError } from '@ferry/manifest-model';

/** One commit as history readers need it. */
export interface HistoryCommit {
  oid: string;
  parents: string[];
  message: string;
  /** Committer time, seconds since the epoch. */
  time: number;
}

/** Read access to a branch's recent history (the port `status`, `rollback` and `--wait-live` use). */
export interface GitHistory {
  /** Commits reachable from the branch head, newest first, at most `depth`; [] when the branch does not exist. */
  log(branch: string, depth: number): Promise<HistoryCommit[]>;
  /** Contents of files at a commit already fetched by `log`; null for a missing path. */
  readFiles(commit: string, paths: string[]): Promise<Map<string, string | null>>;
  close(): Promise<void>;
}

export interface GitHistoryOptions {
  url: string;
  /** Credentials, or a function asked before every fetch (an App's installation token expires). */
  auth?: { username: string; password: string } | (() => Promise<{ username: string; password: string }>) | undefined;
  tmpDir?: string | undefined;
}

/**
 * GitHistory over isomorphic-git: a scratch repository fetched shallow to the asked depth once,
 * then incrementally (no depth on later fetches: isomorphic-git would re-download the tree).
 */
export async function openGitHistory(options: GitHistoryOptions): Promise<GitHistory> {
  const auth = options.auth;
  const authHeaders = async (): Promise<Record<string, string>> => gitAuthHeaders(typeof auth === 'function' ? await auth() : auth);
  const http = createGitHttpClient();
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'ferry-history-'));
  const cache = {};
  const fetchedDepth = new Map<string, number>();
  await git.init({ fs, dir, bare: true, defaultBranch: 'ferry-scratch' });
  await git.addRemote({ fs, gitdir: dir, remote: 'origin', url: options.url });

  const edge = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      const failure = classifyGitError(err);
      const message = `${what}: ${excerptResponse(failure.kind === 'ferry' ? failure.error.message : failure.message)}`;
      if (failure.kind === 'http-status' && (failure.status === 401 || failure.status === 403)) throw new FerryError('git.auth', message, { cause: err, hint: 'check the git credentials (a token with contents: read)' });
      // A branch that does not exist (yet); a missing repository answers HTTP 404 and stays an error.
      if (failure.kind === 'not-found') throw new FerryError('git.not-found', message, { cause: err });
      throw new FerryError('git.network', message, { cause: err });
    }
  };

  return {
    async log(branch, depth) {
      const known = fetchedDepth.get(branch);
      const remoteRef = `refs/remotes/origin/${branch}`;
      try {
        const headers = await authHeaders();
        await edge(`fetch ${branch} from ${redactUrl(options.url)}`, () => git.fetch({
          fs, http, gitdir: dir, cache, remote: 'origin', headers, ref: branch,
          singleBranch: true, tags: false, ...(known === undefined || known < depth ? { depth } : {}),
        }));
      } catch (err) {
        if (err instanceof FerryError && err.code === 'git.not-found') return [];
        throw err;
      }
      fetchedDepth.set(branch, Math.max(known ?? 0, depth));
      const entries = await git.log({ fs, gitdir: dir, cache, ref: remoteRef, depth });
      return entries.map((e) => ({ oid: e.oid, parents: e.commit.parent, message: e.commit.message, time: e.commit.committer.timestamp }));
    },
    async readFiles(commit, paths) {
      const out = new Map<string, string | null>();
      for (const path of paths) {
        // Anything unreadable counts as absent: history readers skip what they cannot use.
        const blob = await readFileAtCommit({ gitdir: dir, commit, path, cache }).catch(() => null);
        out.set(path, blob === null ? null : Buffer.from(blob).toString('utf8'));
      }
      return out;
    },
    async close() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `sha` and the commits of `log` that contain it, newest first. Repeats until nothing changes, so
 * a log ordered by (possibly skewed) committer time is still handled.
 */
export function findCommitsContaining(log: readonly HistoryCommit[], sha: string): string[] {
  const contains = new Set<string>([sha]);
  for (let changed = true; changed;) {
    changed = false;
    for (const c of log) {
      if (!contains.has(c.oid) && c.parents.some((p) => contains.has(p))) {
        contains.add(c.oid);
        changed = true;
      }
    }
  }
  const ordered = log.filter((c) => contains.has(c.oid)).map((c) => c.oid);
  return ordered.includes(sha) ? ordered : [...ordered, sha];
}
