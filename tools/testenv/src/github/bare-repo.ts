// Native git plumbing on one bare repository, run asynchronously (a synchronous child process
// would block the event loop of the process that may also host the git server).
import { execFile } from 'node:child_process';

// The user's and system's git config (signing, hooks) must not leak into commits the emulator writes.
const ISOLATED = { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' };

export interface GitIdentity {
  name: string;
  email: string;
  /** Seconds since the epoch; omitted means now. */
  date?: number;
}

export interface GitRunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  authorDate: string;
  message: string;
}

export type TreeEntry = { mode: string; type: 'blob' | 'tree' | 'commit'; sha: string; size: number; path: string };

// Revisions come from request URLs and bodies: one starting with "-" would be read as an option.
function isSafeRev(rev: string): boolean {
  return rev.length > 0 && !rev.startsWith('-') && !rev.includes('\0');
}

export class BareRepo {
  constructor(readonly dir: string) {}

  run(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<GitRunResult> {
    return new Promise((resolve, reject) => {
      const child = execFile('git', args, {
        cwd: this.dir,
        env: { ...process.env, ...ISOLATED, GIT_DIR: this.dir, ...options.env },
        maxBuffer: 256 * 1024 * 1024,
        encoding: 'utf8',
      }, (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(error);
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      });
      if (options.input !== undefined) child.stdin?.end(options.input);
    });
  }

  async ok(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<string> {
    const r = await this.run(args, options);
    if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed in ${this.dir} (exit ${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** The commit a ref or sha names, or null. */
  async resolveCommit(rev: string): Promise<string | null> {
    if (!isSafeRev(rev)) return null;
    const r = await this.run(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
    return r.code === 0 ? r.stdout.trim() : null;
  }

  /** The object a full ref name points to, or null (no peeling). */
  async readRef(ref: string): Promise<string | null> {
    if (!isSafeRev(ref)) return null;
    const r = await this.run(['rev-parse', '--verify', '--quiet', ref]);
    return r.code === 0 ? r.stdout.trim() : null;
  }

  async objectType(sha: string): Promise<string | null> {
    if (!isSafeRev(sha)) return null;
    const r = await this.run(['cat-file', '-t', sha]);
    return r.code === 0 ? r.stdout.trim() : null;
  }

  async listRefs(prefix = 'refs/'): Promise<{ ref: string; sha: string; type: string }[]> {
    const out = await this.ok(['for-each-ref', '--format=%(refname) %(objectname) %(objecttype)', prefix]);
    return out.split('\n').filter(Boolean).map((line) => {
      const [ref = '', sha = '', type = ''] = line.split(' ');
      return { ref, sha, type };
    });
  }

  /** Compare-and-swap update: fails when the ref no longer holds `expectedOld` ('' = must not exist). */
  async updateRef(ref: string, sha: string, expectedOld?: string): Promise<boolean> {
    if (!isSafeRev(ref) || !isSafeRev(sha)) return false;
    const args = ['update-ref', ref, sha];
    if (expectedOld !== undefined) args.push(expectedOld || '0'.repeat(40));
    return (await this.run(args)).code === 0;
  }

  async deleteRef(ref: string): Promise<boolean> {
    return (await this.run(['update-ref', '-d', ref])).code === 0;
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    if (!isSafeRev(ancestor) || !isSafeRev(descendant)) return false;
    return (await this.run(['merge-base', '--is-ancestor', ancestor, descendant])).code === 0;
  }

  async mergeBase(a: string, b: string): Promise<string | null> {
    const r = await this.run(['merge-base', a, b]);
    return r.code === 0 ? r.stdout.trim() : null;
  }

  /** Three-way merge without a worktree: the merged tree, or null on conflicts. */
  async mergeTrees(ours: string, theirs: string): Promise<string | null> {
    const r = await this.run(['merge-tree', '--write-tree', '--no-messages', ours, theirs]);
    if (r.code === 0) return r.stdout.split('\n')[0]?.trim() ?? null;
    if (r.code === 1) return null;
    throw new Error(`git merge-tree failed in ${this.dir}: ${r.stderr.trim()}`);
  }

  async commitTree(tree: string, parents: string[], message: string, author: GitIdentity, committer: GitIdentity): Promise<string> {
    const args = ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p])];
    const date = (id: GitIdentity): string => `@${id.date ?? Math.floor(Date.now() / 1000)} +0000`;
    const out = await this.ok(args, {
      input: message,
      env: {
        GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email, GIT_AUTHOR_DATE: date(author),
        GIT_COMMITTER_NAME: committer.name, GIT_COMMITTER_EMAIL: committer.email, GIT_COMMITTER_DATE: date(committer),
      },
    });
    return out.trim();
  }

  async readCommit(sha: string): Promise<CommitInfo> {
    const out = await this.ok(['show', '-s', '--format=%H%n%T%n%P%n%an%n%ae%n%at%n%B', sha]);
    const [h = '', t = '', p = '', an = '', ae = '', at = '', ...msg] = out.split('\n');
    return { sha: h, tree: t, parents: p ? p.split(' ') : [], authorName: an, authorEmail: ae, authorDate: at, message: msg.join('\n').replace(/\n+$/, '') };
  }

  /** Commits reachable from `head` but not from `base`, oldest first. */
  async commitsBetween(base: string, head: string): Promise<string[]> {
    const out = await this.ok(['rev-list', '--reverse', '--topo-order', `${base}..${head}`]);
    return out.split('\n').filter(Boolean);
  }

  /**
   * Replays `commit` on top of `onto` (a cherry-pick), without a worktree: git 2.39's merge-tree
   * cannot be told the merge base, so two throwaway commits sharing a root with the parent's tree
   * make that parent the merge base. Returns the new tree, or null on conflicts.
   */
  async cherryPickTree(commit: string, onto: string): Promise<string | null> {
    const info = await this.readCommit(commit);
    const parentTree = info.parents[0] ? (await this.readCommit(info.parents[0])).tree : await this.emptyTree();
    const who: GitIdentity = { name: 'emulator', email: 'emulator@localhost', date: 0 };
    const root = await this.commitTree(parentTree, [], 'base', who, who);
    const ontoTree = (await this.readCommit(onto)).tree;
    const ours = await this.commitTree(ontoTree, [root], 'ours', who, who);
    const theirs = await this.commitTree(info.tree, [root], 'theirs', who, who);
    return this.mergeTrees(ours, theirs);
  }

  async emptyTree(): Promise<string> {
    return (await this.ok(['mktree'], { input: '' })).trim();
  }

  async listTree(rev: string, dirPath: string): Promise<TreeEntry[]> {
    const spec = dirPath ? `${rev}:${dirPath}` : `${rev}^{tree}`;
    const out = await this.ok(['ls-tree', '-l', spec]);
    return out.split('\n').filter(Boolean).map((line) => {
      const [meta = '', name = ''] = line.split('\t');
      const [mode = '', type = 'blob', sha = '', size = '-'] = meta.split(/\s+/);
      return { mode, type: type as TreeEntry['type'], sha, size: size === '-' ? 0 : Number(size), path: dirPath ? `${dirPath}/${name}` : name };
    });
  }

  /** Type and sha of `path` at `rev`, or null when it does not exist. */
  async statPath(rev: string, path: string): Promise<{ type: string; sha: string } | null> {
    if (!isSafeRev(rev)) return null;
    const r = await this.run(['rev-parse', '--verify', '--quiet', `${rev}:${path}`]);
    if (r.code !== 0) return null;
    const sha = r.stdout.trim();
    return { type: (await this.objectType(sha)) ?? 'blob', sha };
  }

  async readBlob(sha: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      execFile('git', ['cat-file', 'blob', sha], { env: { ...process.env, ...ISOLATED, GIT_DIR: this.dir }, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
        (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });
  }
}
