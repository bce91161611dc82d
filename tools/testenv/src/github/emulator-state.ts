// The emulator's in-memory model of what GitHub keeps beside the git data: pull requests,
// statuses, labels, branch protection. Git data itself lives only in the bare repositories.

export type MergeMethod = 'merge' | 'squash' | 'rebase';
export type StatusState = 'error' | 'failure' | 'pending' | 'success';

export interface Actor {
  login: string;
  id: number;
  type: 'User' | 'Bot';
  /** How the caller authenticated. */
  via: 'token' | 'installation' | 'app';
}

export interface CommitStatusRecord {
  id: number;
  sha: string;
  state: StatusState;
  context: string;
  description: string | null;
  targetUrl: string | null;
  createdAt: string;
  updatedAt: string;
  creator: Actor;
}

export type CheckRunStatus = 'queued' | 'in_progress' | 'completed';
export type CheckRunConclusion = 'action_required' | 'cancelled' | 'failure' | 'neutral' | 'success' | 'skipped' | 'stale' | 'timed_out';

export interface CheckRunRecord {
  id: number;
  sha: string;
  name: string;
  status: CheckRunStatus;
  conclusion: CheckRunConclusion | null;
  detailsUrl: string | null;
  externalId: string | null;
  startedAt: string;
  completedAt: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  /** The app whose installation token created it (only apps may create check runs). */
  appId: number;
}

export interface LabelRecord {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface AutoMergeRecord {
  method: MergeMethod;
  enabledBy: Actor;
  enabledAt: string;
  commitTitle: string | null;
  commitMessage: string | null;
}

export interface CommentRecord {
  id: number;
  body: string;
  user: Actor;
  createdAt: string;
  updatedAt: string;
}

export interface PullRecord {
  number: number;
  id: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  user: Actor;
  headOwner: string;
  headRef: string;
  /** Last head sha seen; refreshed from the repository while the pull request is open. */
  headSha: string;
  baseRef: string;
  baseSha: string;
  labels: string[];
  comments: CommentRecord[];
  requestedReviewers: string[];
  requestedTeams: string[];
  merged: boolean;
  mergedAt: string | null;
  mergedBy: Actor | null;
  mergeCommitSha: string | null;
  closedAt: string | null;
  createdAt: string;
  updatedAt: string;
  autoMerge: AutoMergeRecord | null;
  maintainerCanModify: boolean;
}

export interface ProtectionRecord {
  /** Required status checks; null when the branch is protected without them. */
  checks: { contexts: string[]; strict: boolean } | null;
  enforceAdmins: boolean;
  /** Stored and echoed like GitHub, but reviews are not modelled: they never block a merge. */
  reviews: { dismissStale: boolean; codeOwners: boolean; count: number; dismissalUsers: string[]; dismissalTeams: string[] } | null;
  /** Stored and echoed; pushes and merges are not restricted. */
  restrictions: { users: string[]; teams: string[] } | null;
}

export interface RepoRecord {
  owner: string;
  name: string;
  id: number;
  createdAt: string;
  /** Issue and pull request numbers share one sequence, as on GitHub. */
  nextNumber: number;
  pulls: PullRecord[];
  statuses: CommitStatusRecord[];
  checkRuns: CheckRunRecord[];
  labels: Map<string, LabelRecord>;
  protection: Map<string, ProtectionRecord>;
  allowAutoMerge: boolean;
}

export interface EmulatorState {
  repos: Map<string, RepoRecord>;
}

export function repoKey(owner: string, name: string): string {
  return `${owner}/${name}`.toLowerCase();
}

// Node ids on GitHub are opaque base64 strings; ours encode type and database id so that
// GraphQL `node(id:)` and mutation inputs can find the record again.
export function encodeNodeId(type: string, id: number): string {
  return Buffer.from(`04:${type}${id}`).toString('base64');
}

export function decodeNodeId(nodeId: string): { type: string; id: number } | null {
  const text = Buffer.from(nodeId, 'base64').toString('utf8');
  const m = /^04:([A-Za-z]+)(\d+)$/.exec(text);
  return m ? { type: m[1] ?? '', id: Number(m[2]) } : null;
}
