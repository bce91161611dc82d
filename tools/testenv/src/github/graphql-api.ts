// The GraphQL subset Ferry needs, executed by graphql-js against GitHub's own schema
// (@octokit/graphql-schema), so every document is validated as GitHub would validate it.
import { schema as githubSchema } from '@octokit/graphql-schema';
import { buildClientSchema, execute, GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import { decodeNodeId, encodeNodeId, type Actor, type MergeMethod, type PullRecord, type RepoRecord } from './emulator-state.js';
import type { PullEngine } from './pull-engine.js';
import { isoNow, type RepoStore } from './repo-store.js';

let schema: GraphQLSchema | null = null;

/** GitHub's public GraphQL schema, built once per process. */
export function loadGitHubGraphqlSchema(): GraphQLSchema {
  if (schema) return schema;
  schema = buildClientSchema(githubSchema.json as unknown as IntrospectionQuery);
  return schema;
}

/** Validates a GraphQL document against GitHub's schema; returns the error messages. */
export function validateGitHubGraphql(query: string): string[] {
  let doc: DocumentNode;
  try {
    doc = parse(query);
  } catch (error) {
    return [(error as Error).message];
  }
  return validate(loadGitHubGraphqlSchema(), doc).map((e) => e.message);
}

export interface GraphqlDeps {
  store: RepoStore;
  engine: PullEngine;
  htmlBase: string;
}

function unprocessable(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { type: 'UNPROCESSABLE' } });
}

const STATE_ENUM: Record<string, string> = {
  clean: 'CLEAN', dirty: 'DIRTY', blocked: 'BLOCKED', behind: 'BEHIND', unstable: 'UNSTABLE', draft: 'DRAFT', unknown: 'UNKNOWN',
};

export function createGraphqlExecutor(deps: GraphqlDeps) {
  const { store, engine } = deps;

  const findPullByNodeId = (nodeId: string): { repo: RepoRecord; pr: PullRecord } | null => {
    const decoded = decodeNodeId(nodeId);
    if (!decoded || decoded.type !== 'PullRequest') return null;
    for (const repo of store.state.repos.values()) {
      const pr = repo.pulls.find((p) => p.id === decoded.id);
      if (pr) return { repo, pr };
    }
    return null;
  };

  const actorObject = (a: Actor): Record<string, unknown> => ({ __typename: a.type === 'Bot' ? 'Bot' : 'User', login: a.login, id: encodeNodeId(a.type, a.id) });

  const pullObject = (repo: RepoRecord, pr: PullRecord): Record<string, unknown> => {
    let reported: ReturnType<PullEngine['reportedMergeability']> | null = null;
    const m = () => (reported ??= engine.reportedMergeability(repo, pr));
    return {
      __typename: 'PullRequest',
      id: encodeNodeId('PullRequest', pr.id),
      databaseId: pr.id,
      number: pr.number,
      title: pr.title,
      body: pr.body ?? '',
      url: `${deps.htmlBase}/${repo.owner}/${repo.name}/pull/${pr.number}`,
      state: pr.merged ? 'MERGED' : pr.state === 'open' ? 'OPEN' : 'CLOSED',
      closed: pr.state === 'closed',
      merged: pr.merged,
      mergedAt: pr.mergedAt,
      isDraft: pr.draft,
      headRefName: pr.headRef,
      headRefOid: async () => { await engine.refresh(repo, pr); return pr.headSha; },
      baseRefName: pr.baseRef,
      baseRefOid: async () => { await engine.refresh(repo, pr); return pr.baseSha; },
      mergeable: async () => { const x = await m(); return x.mergeable === null ? 'UNKNOWN' : x.mergeable ? 'MERGEABLE' : 'CONFLICTING'; },
      mergeStateStatus: async () => STATE_ENUM[(await m()).state] ?? 'UNKNOWN',
      mergeCommit: pr.mergeCommitSha ? { __typename: 'Commit', oid: pr.mergeCommitSha } : null,
      mergedBy: pr.mergedBy ? actorObject(pr.mergedBy) : null,
      autoMergeRequest: pr.autoMerge
        ? {
            __typename: 'AutoMergeRequest',
            mergeMethod: pr.autoMerge.method.toUpperCase(),
            enabledAt: pr.autoMerge.enabledAt,
            enabledBy: actorObject(pr.autoMerge.enabledBy),
            commitHeadline: pr.autoMerge.commitTitle,
            commitBody: pr.autoMerge.commitMessage,
          }
        : null,
      viewerCanEnableAutoMerge: pr.state === 'open' && !pr.autoMerge,
      viewerCanDisableAutoMerge: pr.state === 'open' && !!pr.autoMerge,
    };
  };

  const enableAutoMerge = async (args: { input: Record<string, unknown> }, actor: Actor): Promise<Record<string, unknown>> => {
    const input = args.input;
    const found = findPullByNodeId(String(input['pullRequestId']));
    if (!found) throw new GraphQLError(`Could not resolve to a node with the global id of '${String(input['pullRequestId'])}'`, { extensions: { type: 'NOT_FOUND' } });
    const { repo, pr } = found;
    if (pr.state !== 'open') throw unprocessable('Pull request Pull request is closed');
    if (!repo.allowAutoMerge) throw unprocessable('Pull request Auto merge is not allowed for this repository');
    const m = await engine.mergeability(repo, pr);
    if (m.state === 'clean' || m.state === 'unstable') throw unprocessable(`Pull request Pull request is in ${m.state} status`);
    if (!repo.protection.has(pr.baseRef)) throw unprocessable('Pull request Protected branch rules not configured for this branch');
    if (typeof input['expectedHeadOid'] === 'string' && input['expectedHeadOid'] !== pr.headSha) {
      throw unprocessable('Pull request Head branch was modified. Review and try the merge again.');
    }
    pr.autoMerge = {
      method: String(input['mergeMethod'] ?? 'MERGE').toLowerCase() as MergeMethod,
      enabledBy: actor,
      enabledAt: isoNow(),
      commitTitle: typeof input['commitHeadline'] === 'string' ? input['commitHeadline'] : null,
      commitMessage: typeof input['commitBody'] === 'string' ? input['commitBody'] : null,
    };
    pr.updatedAt = isoNow();
    return { clientMutationId: input['clientMutationId'] ?? null, actor: actorObject(actor), pullRequest: pullObject(repo, pr) };
  };

  const disableAutoMerge = async (args: { input: Record<string, unknown> }, actor: Actor): Promise<Record<string, unknown>> => {
    const found = findPullByNodeId(String(args.input['pullRequestId']));
    if (!found) throw new GraphQLError(`Could not resolve to a node with the global id of '${String(args.input['pullRequestId'])}'`, { extensions: { type: 'NOT_FOUND' } });
    found.pr.autoMerge = null;
    return { clientMutationId: args.input['clientMutationId'] ?? null, actor: actorObject(actor), pullRequest: pullObject(found.repo, found.pr) };
  };

  /** Answers one GraphQL POST body; `invalid` lists schema validation errors (GitHub answers them with 200). */
  return async (body: unknown, actor: Actor): Promise<{ response: Record<string, unknown>; invalid: string[] }> => {
    const b = (body ?? {}) as { query?: unknown; variables?: Record<string, unknown>; operationName?: string };
    if (typeof b.query !== 'string') {
      return { response: { errors: [{ message: 'A query attribute must be specified and must be a string.' }] }, invalid: ['no query'] };
    }
    let doc: DocumentNode;
    try {
      doc = parse(b.query);
    } catch (error) {
      const message = (error as Error).message;
      return { response: { errors: [{ message: `Parse error: ${message}` }] }, invalid: [message] };
    }
    const errors = validate(loadGitHubGraphqlSchema(), doc);
    if (errors.length) {
      return { response: { errors: errors.map((e) => ({ message: e.message, locations: e.locations })) }, invalid: errors.map((e) => e.message) };
    }
    const rootValue = {
      enablePullRequestAutoMerge: (args: { input: Record<string, unknown> }) => enableAutoMerge(args, actor),
      disablePullRequestAutoMerge: (args: { input: Record<string, unknown> }) => disableAutoMerge(args, actor),
      viewer: () => actorObject(actor),
      node: (args: { id: string }) => {
        const found = findPullByNodeId(args.id);
        return found ? pullObject(found.repo, found.pr) : null;
      },
      repository: async (args: { owner: string; name: string }) => {
        const repo = await store.find(args.owner, args.name);
        if (!repo) throw new GraphQLError(`Could not resolve to a Repository with the name '${args.owner}/${args.name}'.`, { extensions: { type: 'NOT_FOUND' } });
        return {
          __typename: 'Repository',
          id: encodeNodeId('Repository', repo.id),
          name: repo.name,
          nameWithOwner: `${repo.owner}/${repo.name}`,
          autoMergeAllowed: repo.allowAutoMerge,
          pullRequest: async (a: { number: number }) => {
            const pr = repo.pulls.find((p) => p.number === a.number);
            if (!pr) throw new GraphQLError(`Could not resolve to a PullRequest with the number of ${a.number}.`, { extensions: { type: 'NOT_FOUND' } });
            await engine.sweepAutoMerge(repo);
            return pullObject(repo, pr);
          },
        };
      },
    };
    const result = await execute({ schema: loadGitHubGraphqlSchema(), document: doc, rootValue, variableValues: b.variables ?? {}, operationName: b.operationName ?? null });
    const response: Record<string, unknown> = { data: result.data ?? null };
    if (result.errors?.length) {
      response['errors'] = result.errors.map((e) => ({
        type: (e.extensions?.['type'] as string | undefined) ?? 'INTERNAL',
        path: e.path,
        locations: e.locations,
        message: e.message,
      }));
    }
    return { response, invalid: [] };
  };
}
