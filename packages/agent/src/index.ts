// @ferry/agent: one correct, fast sync from Git to a cluster. The public surface, curated: what the
// apps, the demo and library users need. Everything else is internal and may change.

// The Sync resource and its spec.
export { parseSyncSpec, SyncApiVersion, SyncKind, SyncSpec } from './sync/sync-spec.js';
export type { GitRef, HelmOptions, RenderMode, SyncSpecInput } from './sync/sync-spec.js';
export type { SyncIdentity } from './sync/labels.js';
export { defaultFlagName, UnrecordedSourceId } from './plan/inventory.js';
export { describeObject } from './plan/kube-object.js';
export type { KubeObject, RenderedObject } from './plan/kube-object.js';

// One reconcile (`ferry-agent sync --once`, `diff`) and what it reports.
export { reconcileSync, reportInvalidSync } from './reconcile/reconcile-sync.js';
export type { ReconcileDeps, ReconcileOptions, SyncReport, SyncTarget } from './reconcile/reconcile-sync.js';
export type { SyncOutcome, SyncStatus } from './reconcile/sync-status.js';
export { loadSyncTargets, isInvalidSync } from './adapters/sync-store.js';
export { readRegistryConfig, registryConfigFor } from './sync/registry-credentials.js';
export { runAs } from './reconcile/run-as.js';
export { createCommitVerifier, verifySignedHeads } from './signatures/commit-verifier.js';
export type { InvalidSync, SyncSelection } from './adapters/sync-store.js';

// Ports (ports.ts) and the adapters that implement them.
export type { GitCredentials, GitSource, KubeApi, KubeWatchApi, Renderer, RenderInput, RenderResult, RenderTools, SourceFile } from './ports.js';
export { IsomorphicGitSource } from './adapters/git-source.js';
export type { GitSourceOptions } from './adapters/git-source.js';
export { KubeClient } from './adapters/kube-client.js';
export type { KubeClientOptions } from './adapters/kube-client.js';
export { renderSource, sourceRenderer } from './adapters/renderers/render-source.js';
export { renderModes, renderToolNames } from './render/renderer-catalog.js';
export type { RendererName, RenderToolName } from './render/renderer-catalog.js';

// Commit statuses back to the Git host.
export { CommitStatusReporter } from './reporting/commit-status-reporter.js';
export type { CommitStatusReporterOptions } from './reporting/commit-status-reporter.js';
export { createGitHubStatusPort } from './reporting/github-status-port.js';
export type { GitHubStatusPortOptions } from './reporting/github-status-port.js';
export { createGiteaStatusPort } from './reporting/gitea-status-port.js';
export type { GiteaStatusPortOptions } from './reporting/gitea-status-port.js';
export type { SyncReporter } from './ports.js';

// The agent's own credentials: token files read at use, GitHub App installation tokens.
export { tokenFromFile } from './credentials/token-file.js';
export { GitHubAppTokens } from './credentials/github-app-tokens.js';
export type { GitHubAppTokensOptions } from './credentials/github-app-tokens.js';
export { withAgentGitCredentials } from './credentials/app-git-credentials.js';
export type { AgentGitCredentialsOptions } from './credentials/app-git-credentials.js';
export type { TokenSource } from './credentials/token-source.js';

// The daemon (`ferry-agent run`).
export { startAgent } from './daemon/start-agent.js';
export type { AgentConfig, AgentOverrides, RunningAgent } from './daemon/start-agent.js';
export { defaultScheduleSettings } from './daemon/schedule.js';
export { defaultLeaderElection } from './daemon/leader-election.js';
export type { Logger, LogLevel } from './observability/logger.js';
