import type { KubeErrorCode } from '../ports.js';
import { AgentReason } from './sync-status.js';

/**
 * What a reconcile error asks for, after Flux: `Stalled` (a human must change Git, the Sync or RBAC;
 * retrying changes nothing), `Waiting` (a dependency is not ready yet: try again later),
 * `Transient` (network, API server: retry with backoff).
 */
export type ErrorOutcome = 'Stalled' | 'Waiting' | 'Transient';

/** Every error code the agent raises (FerryError and KubeApiError), by area. */
export type AgentErrorCode =
  | KubeErrorCode | 'kube.config'
  | 'credentials.token-file' | 'github-app.auth' | 'github-app.failed' | 'github-app.key' | 'github-app.unavailable'
  | 'apply.forbidden' | 'apply.invalid' | 'apply.ownership-conflict' | 'apply.timeout'
  | 'guard.empty' | 'guard.namespaces'
  | 'inventory.corrupt' | 'inventory.foreign' | 'inventory.namespace-missing'
  | 'plan.duplicate' | 'plan.unknown-kind'
  | 'render.encoding' | 'render.helm' | 'render.helm-chart-digest' | 'render.helm-pull' | 'render.helm-pull-failed' | 'render.helm-release-name' | 'render.kustomize' | 'render.object'
  | 'render.outside-repository' | 'render.remote-resource' | 'render.timeout' | 'render.too-large'
  | 'render.tool-missing' | 'render.yaml'
  | 'source.auth' | 'source.commit-not-found' | 'source.invalid-key' | 'source.not-git' | 'source.path-not-found'
  | 'source.ref-moved' | 'source.ref-not-found' | 'source.repo-not-found' | 'source.too-large' | 'source.unavailable'
  | 'source.unsigned' | 'source.untrusted-signature' | 'source.verify-cache' | 'source.verify-object' | 'source.verify-tool'
  | 'status.auth' | 'status.failed' | 'status.network'
  | 'sync.not-found' | 'sync.secret-host-denied' | 'sync.secret-hosts' | 'sync.secret-invalid'
  | 'sync.secret-not-found' | 'sync.secret-not-opted-in' | 'sync.service-account' | 'sync.spec' | 'sync.verify-keys';

export interface ErrorClass {
  outcome: ErrorOutcome;
  /** The condition reason users see (Ready=False, and Stalled=True when stalled). */
  reason: AgentReason;
}

const stalled = (reason: AgentReason): ErrorClass => ({ outcome: 'Stalled', reason });
const waiting = (reason: AgentReason): ErrorClass => ({ outcome: 'Waiting', reason });
const transient = (reason: AgentReason): ErrorClass => ({ outcome: 'Transient', reason });

/**
 * The one table that decides each code's outcome. A Record over the union: the compiler refuses a
 * code added to AgentErrorCode without a row here (and error-outcome.test.ts refuses a code raised
 * in the agent's source without a member in the union).
 */
export const errorClasses: Readonly<Record<AgentErrorCode, ErrorClass>> = {
  // RBAC: the agent's identity may not do it.
  'kube.forbidden': stalled(AgentReason.Forbidden),
  'apply.forbidden': stalled(AgentReason.Forbidden),
  // The server refused an object of the revision.
  'kube.invalid': stalled(AgentReason.ValidationFailed),
  'kube.immutable': stalled(AgentReason.ValidationFailed),
  'apply.invalid': stalled(AgentReason.ValidationFailed),
  'apply.ownership-conflict': stalled(AgentReason.OwnershipConflict),
  // The API server is unreachable or busy (connection refused or reset, 5xx, 429): retry, and say so.
  'kube.unavailable': transient(AgentReason.ApiUnavailable),
  // It answered something the agent did not expect: retry.
  'kube.unauthorized': transient(AgentReason.ApplyFailed),
  'kube.conflict': transient(AgentReason.ApplyFailed),
  'kube.not-found': transient(AgentReason.ApplyFailed),
  'kube.unknown-kind': transient(AgentReason.ApplyFailed),
  'kube.error': transient(AgentReason.ApplyFailed),
  'kube.config': stalled(AgentReason.InvalidConfig),
  // A CRD not Established, an object deleted for recreation still present: later.
  'apply.timeout': waiting(AgentReason.ApplyFailed),
  'guard.empty': stalled(AgentReason.PruneBlocked),
  'guard.namespaces': stalled(AgentReason.PruneBlocked),
  'inventory.foreign': stalled(AgentReason.InventoryConflict),
  // A missing state namespace, a corrupt inventory: a human must fix them; retrying changes nothing.
  'inventory.corrupt': stalled(AgentReason.InvalidConfig),
  'inventory.namespace-missing': stalled(AgentReason.InvalidConfig),
  'plan.duplicate': stalled(AgentReason.BuildFailed),
  'plan.unknown-kind': stalled(AgentReason.BuildFailed),
  'render.encoding': stalled(AgentReason.BuildFailed),
  'render.helm': stalled(AgentReason.BuildFailed),
  'render.helm-release-name': stalled(AgentReason.BuildFailed),
  // An oci:// chart: the registry unreachable or failing is retried; a chart or version it does not
  // have, or refused credentials, needs a fix; a digest other than the pinned one is refused.
  'render.helm-pull': transient(AgentReason.FetchFailed),
  'render.helm-pull-failed': stalled(AgentReason.FetchFailed),
  'render.helm-chart-digest': stalled(AgentReason.FetchFailed),
  'render.kustomize': stalled(AgentReason.BuildFailed),
  'render.object': stalled(AgentReason.BuildFailed),
  'render.outside-repository': stalled(AgentReason.BuildFailed),
  'render.remote-resource': stalled(AgentReason.BuildFailed),
  'render.timeout': stalled(AgentReason.BuildFailed),
  'render.too-large': stalled(AgentReason.BuildFailed),
  'render.tool-missing': stalled(AgentReason.BuildFailed),
  'render.yaml': stalled(AgentReason.BuildFailed),
  // The git server is unreachable or failed: retry. Everything else about the source needs a fix.
  'source.unavailable': transient(AgentReason.FetchFailed),
  // The branch moved between listing and fetching: the next try sees the new head.
  'source.ref-moved': transient(AgentReason.FetchFailed),
  'source.auth': stalled(AgentReason.FetchFailed),
  'source.commit-not-found': stalled(AgentReason.FetchFailed),
  'source.invalid-key': stalled(AgentReason.FetchFailed),
  'source.not-git': stalled(AgentReason.FetchFailed),
  'source.path-not-found': stalled(AgentReason.FetchFailed),
  'source.ref-not-found': stalled(AgentReason.FetchFailed),
  'source.repo-not-found': stalled(AgentReason.FetchFailed),
  'source.too-large': stalled(AgentReason.FetchFailed),
  'source.unsigned': stalled(AgentReason.FetchFailed),
  'source.untrusted-signature': stalled(AgentReason.FetchFailed),
  'source.verify-cache': stalled(AgentReason.FetchFailed),
  'source.verify-object': stalled(AgentReason.FetchFailed),
  'source.verify-tool': stalled(AgentReason.FetchFailed),
  // The agent's own credentials (--github-app-*, token files): fixed by the operator, often by a
  // Secret update the agent picks up without a restart, so retried with backoff, never stalled.
  'github-app.auth': transient(AgentReason.FetchFailed),
  'github-app.failed': transient(AgentReason.FetchFailed),
  'github-app.key': transient(AgentReason.FetchFailed),
  'github-app.unavailable': transient(AgentReason.FetchFailed),
  'credentials.token-file': transient(AgentReason.ApplyFailed),
  // Commit statuses: the reporter logs them; the next reconcile posts again.
  'status.auth': transient(AgentReason.ApplyFailed),
  'status.failed': transient(AgentReason.ApplyFailed),
  'status.network': transient(AgentReason.ApplyFailed),
  'sync.not-found': stalled(AgentReason.InvalidConfig),
  'sync.secret-host-denied': stalled(AgentReason.InvalidConfig),
  'sync.secret-hosts': stalled(AgentReason.InvalidConfig),
  'sync.secret-invalid': stalled(AgentReason.InvalidConfig),
  'sync.secret-not-found': stalled(AgentReason.InvalidConfig),
  'sync.secret-not-opted-in': stalled(AgentReason.InvalidConfig),
  'sync.service-account': stalled(AgentReason.InvalidConfig),
  'sync.spec': stalled(AgentReason.InvalidConfig),
  'sync.verify-keys': stalled(AgentReason.InvalidConfig),
};

/** A code no row names: stalled, so it is reported for a human to look at instead of retried forever. */
export const unknownCodeClass: ErrorClass = stalled(AgentReason.ApplyFailed);

/** Not a FerryError at all (a bug, or an I/O error no adapter translated): retried, as transient. */
export const untypedErrorClass: ErrorClass = transient(AgentReason.ApplyFailed);

export function isAgentErrorCode(code: string): code is AgentErrorCode {
  return Object.hasOwn(errorClasses, code);
}

export function classOfCode(code: string): ErrorClass {
  return isAgentErrorCode(code) ? errorClasses[code] : unknownCodeClass;
}
