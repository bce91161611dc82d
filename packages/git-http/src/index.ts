// @ferry/git-http: the git smart-HTTP plumbing the promoter and the agent share. Node and
// isomorphic-git only; nothing here knows a particular Git host (GitHub or another).
export { createGitHttpClient, GitStalledError } from './git-http-client.js';
export type { GitHttpClientOptions } from './git-http-client.js';
export { requireCompleteRefListing } from './complete-ref-listing.js';
export { gitAuthHeaders } from './auth-headers.js';
export type { GitHttpCredentials } from './auth-headers.js';
export { classifyGitError } from './classify-git-error.js';
export type { GitFailure } from './classify-git-error.js';
export { redactUrl } from './redact-url.js';
export { EXCERPT_MAX, describeStatusLine, excerptResponse, excerptResponseBody } from './response-excerpt.js';
export { resolveRemoteRef } from './remote-refs.js';
export type { RemoteRefQuery } from './remote-refs.js';
export { readFileAtCommit, readRawObject } from './read-at-commit.js';
export type { ReadAtCommitOptions } from './read-at-commit.js';
export { fetchShallowV2, type PackObjects } from './fetch-shallow-v2.js';
export { fetchObjectsV2, uploadPackSupportsFilter } from './partial-fetch-v2.js';
export { emptyPack, sendReceivePack, ZERO_OID } from './receive-pack.js';
export type { RefUpdate } from './receive-pack.js';
export { listRemoteRefs } from './list-remote-refs.js';
export type { RemoteRefListingQuery } from './list-remote-refs.js';
export { buildPack, commitTree, hashObject, parseTree, serializeCommit, serializeTree, writeLooseObject } from './git-objects.js';
export type { Signature } from './git-objects.js';
