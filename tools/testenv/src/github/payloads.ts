// Response bodies shaped like GitHub's (every field GitHub's OpenAPI description requires).
import { encodeNodeId, type Actor, type CommitStatusRecord, type LabelRecord, type PullRecord, type RepoRecord } from './emulator-state.js';

export interface Urls {
  /** REST base, e.g. http://127.0.0.1:1234 */
  api: string;
  /** Stand-in for https://github.com */
  html: string;
  /** Git server base serving `${owner}/${name}.git`, when known. */
  git: string | null;
}

type Json = Record<string, unknown>;

export function userPayload(u: { login: string; id: number; type: 'User' | 'Bot' | 'Organization' }, urls: Urls): Json {
  const api = `${urls.api}/users/${encodeURIComponent(u.login)}`;
  return {
    login: u.login,
    id: u.id,
    node_id: encodeNodeId(u.type, u.id),
    avatar_url: `${urls.html}/avatars/u/${u.id}?v=4`,
    gravatar_id: '',
    url: api,
    // Bots have no profile page; GitHub links their app instead.
    html_url: u.type === 'Bot' ? `${urls.html}/apps/${encodeURIComponent(u.login.replace(/\[bot\]$/, ''))}` : `${urls.html}/${encodeURIComponent(u.login)}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: u.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

/** Stable ids for logins that are not otherwise registered (repository owners, reviewers). */
export function idForLogin(login: string): number {
  let h = 7;
  for (const ch of login.toLowerCase()) h = (h * 31 + ch.charCodeAt(0)) % 900_000;
  return 100_000 + h;
}

export function ownerPayload(login: string, urls: Urls): Json {
  return userPayload({ login, id: idForLogin(login), type: 'Organization' }, urls);
}

export function repoPayload(repo: RepoRecord, defaultBranch: string, pushedAt: string, urls: Urls): Json {
  const full = `${repo.owner}/${repo.name}`;
  const api = `${urls.api}/repos/${full}`;
  const openPulls = repo.pulls.filter((p) => p.state === 'open').length;
  const cloneUrl = urls.git ? `${urls.git}/${full}.git` : `${urls.html}/${full}.git`;
  return {
    id: repo.id,
    node_id: encodeNodeId('Repository', repo.id),
    name: repo.name,
    full_name: full,
    private: true,
    owner: ownerPayload(repo.owner, urls),
    // Every emulated owner is an organization, which GitHub repeats here.
    organization: ownerPayload(repo.owner, urls),
    html_url: `${urls.html}/${full}`,
    description: null,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: cloneUrl.replace(/^https?:/, 'git:'),
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@localhost:${full}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: cloneUrl,
    mirror_url: null,
    hooks_url: `${api}/hooks`,
    svn_url: `${urls.html}/${full}`,
    homepage: null,
    language: null,
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    default_branch: defaultBranch,
    open_issues_count: openPulls,
    open_issues: openPulls,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'private',
    pushed_at: pushedAt,
    created_at: repo.createdAt,
    updated_at: pushedAt,
    permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
    allow_rebase_merge: true,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_auto_merge: repo.allowAutoMerge,
    delete_branch_on_merge: false,
    allow_update_branch: false,
    use_squash_pr_title_as_default: false,
    squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
    squash_merge_commit_message: 'COMMIT_MESSAGES',
    merge_commit_title: 'MERGE_MESSAGE',
    merge_commit_message: 'PR_TITLE',
    allow_forking: true,
    web_commit_signoff_required: false,
    license: null,
    network_count: 0,
    subscribers_count: 0,
    temp_clone_token: '',
  };
}

export function refPayload(repo: RepoRecord, ref: string, sha: string, type: string, urls: Urls): Json {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  return {
    ref,
    node_id: Buffer.from(`04:Ref${repo.id}:${ref}`).toString('base64'),
    url: `${api}/git/${ref}`,
    object: { sha, type, url: `${api}/git/${type === 'tag' ? 'tags' : 'commits'}/${sha}` },
  };
}

export function labelPayload(repo: RepoRecord, label: LabelRecord, urls: Urls): Json {
  return {
    id: label.id,
    node_id: encodeNodeId('Label', label.id),
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: false,
    description: label.description,
  };
}

export function actorPayload(actor: Actor, urls: Urls): Json {
  return userPayload(actor, urls);
}

export function statusPayload(repo: RepoRecord, s: CommitStatusRecord, urls: Urls): Json {
  return {
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/statuses/${s.sha}`,
    avatar_url: `${urls.html}/avatars/u/${s.creator.id}?v=4`,
    id: s.id,
    node_id: encodeNodeId('StatusContext', s.id),
    state: s.state,
    description: s.description,
    target_url: s.targetUrl,
    context: s.context,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    creator: actorPayload(s.creator, urls),
  };
}

export interface PullLive {
  repoJson: Json;
  mergeable: boolean | null;
  mergeableState: string;
  rebaseable: boolean | null;
  commits: number;
  additions: number;
  deletions: number;
  changedFiles: number;
}

export function pullPayload(repo: RepoRecord, pr: PullRecord, live: PullLive, urls: Urls, full: boolean): Json {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const html = `${urls.html}/${repo.owner}/${repo.name}/pull/${pr.number}`;
  const labels = pr.labels.map((name) => repo.labels.get(name.toLowerCase())).filter((l): l is LabelRecord => !!l);
  const side = (ref: string, sha: string, owner: string): Json => ({
    label: `${owner}:${ref}`,
    ref,
    sha,
    user: ownerPayload(owner, urls),
    repo: live.repoJson,
  });
  const body: Json = {
    url: `${api}/pulls/${pr.number}`,
    id: pr.id,
    node_id: encodeNodeId('PullRequest', pr.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api}/issues/${pr.number}`,
    commits_url: `${api}/pulls/${pr.number}/commits`,
    review_comments_url: `${api}/pulls/${pr.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${pr.number}/comments`,
    statuses_url: `${api}/statuses/${pr.headSha}`,
    number: pr.number,
    state: pr.state,
    locked: false,
    title: pr.title,
    user: actorPayload(pr.user, urls),
    body: pr.body,
    // The description types pull request labels' description as a plain string (GitHub itself sends null).
    labels: labels.map((l) => ({ ...labelPayload(repo, l, urls), description: l.description ?? '' })),
    milestone: null,
    active_lock_reason: null,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.closedAt,
    merged_at: pr.mergedAt,
    merge_commit_sha: pr.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: pr.requestedReviewers.map((login) => userPayload({ login, id: idForLogin(login), type: 'User' }, urls)),
    requested_teams: pr.requestedTeams.map((slug) => teamPayload(repo.owner, slug, urls)),
    head: side(pr.headRef, pr.headSha, pr.headOwner),
    base: side(pr.baseRef, pr.baseSha, repo.owner),
    _links: {
      self: { href: `${api}/pulls/${pr.number}` },
      html: { href: html },
      issue: { href: `${api}/issues/${pr.number}` },
      comments: { href: `${api}/issues/${pr.number}/comments` },
      review_comments: { href: `${api}/pulls/${pr.number}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${api}/pulls/${pr.number}/commits` },
      statuses: { href: `${api}/statuses/${pr.headSha}` },
    },
    author_association: 'MEMBER',
    auto_merge: pr.autoMerge
      ? {
          enabled_by: actorPayload(pr.autoMerge.enabledBy, urls),
          merge_method: pr.autoMerge.method,
          commit_title: pr.autoMerge.commitTitle ?? '',
          commit_message: pr.autoMerge.commitMessage ?? '',
        }
      : null,
    draft: pr.draft,
  };
  if (!full) return body;
  return {
    ...body,
    merged: pr.merged,
    mergeable: live.mergeable,
    rebaseable: live.rebaseable,
    mergeable_state: live.mergeableState,
    merged_by: pr.mergedBy ? actorPayload(pr.mergedBy, urls) : null,
    comments: pr.comments.length,
    review_comments: 0,
    maintainer_can_modify: pr.maintainerCanModify,
    commits: live.commits,
    additions: live.additions,
    deletions: live.deletions,
    changed_files: live.changedFiles,
  };
}

export function teamPayload(org: string, slug: string, urls: Urls): Json {
  const id = idForLogin(`${org}/${slug}`);
  const api = `${urls.api}/organizations/${idForLogin(org)}/team/${id}`;
  return {
    id,
    node_id: encodeNodeId('Team', id),
    url: api,
    html_url: `${urls.html}/orgs/${org}/teams/${slug}`,
    name: slug,
    slug,
    description: null,
    privacy: 'closed',
    notification_setting: 'notifications_enabled',
    permission: 'pull',
    members_url: `${api}/members{/member}`,
    repositories_url: `${api}/repos`,
    type: 'organization',
    parent: null,
  };
}

export function errorBody(status: number, message: string, documentationUrl = 'https://docs.github.com/rest'): Json {
  return { message, documentation_url: documentationUrl, status: String(status) };
}

export function validationFailed(errors: Json[], documentationUrl = 'https://docs.github.com/rest'): Json {
  return { message: 'Validation Failed', errors, documentation_url: documentationUrl, status: '422' };
}
