/**
 * The agent's ports: every side effect the reconcile and the daemon need, as interfaces. Adapters
 * implement them (adapters/kube-client.ts, adapters/git-source.ts, adapters/renderers/,
 * reporting/); reconcile/, plan/, render/ and sync/ see only this file, so they run against plain
 * objects in tests and import no I/O (eslint.config.mjs keeps it so).
 */
import { FerryError } from '@ferry/manifest-model';
import type { KubeObject, ObjectRef, RenderedObject } from './plan/kube-object.js';
import type { Discovery } from './plan/search-kinds.js';
import type { ReportedTarget, SyncReport, SyncTarget } from './reconcile/sync-report.js';
import type { RenderToolName } from './render/renderer-catalog.js';
import type { GitCredentials } from './sync/git-credentials.js';
import type { GitRef, HelmOptions, KustomizeOptions, RenderMode } from './sync/sync-spec.js';

export type { GitCredentials } from './sync/git-credentials.js';
export type { ObjectAction, ObjectChange, PruneResult, ReportedTarget, SyncReport, SyncTarget } from './reconcile/sync-report.js';
export type { SyncStatus } from './reconcile/sync-status.js';

// ---------------------------------------------------------------------------------------------
// Kubernetes

export type KubeScope = 'Namespaced' | 'Cluster';

/** The Kubernetes API as a reconcile uses it. */
export interface KubeApi {
  /** Scope of a kind from discovery; undefined when the server does not know the kind (yet). */
  scopeOf(apiVersion: string, kind: string): Promise<KubeScope | undefined>;
  /** Server-side apply (force, field manager `ferry-agent`, strict field validation). */
  apply(object: KubeObject, options?: { dryRun?: boolean }): Promise<KubeObject>;
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  /** Only the object's metadata (a PartialObjectMetadata): cheap however large the object is. Optional: `get` serves otherwise. */
  getMetadata?(ref: ObjectRef): Promise<KubeObject | undefined>;
  list(apiVersion: string, kind: string, options?: { namespace?: string; labelSelector?: string }): Promise<KubeObject[]>;
  /** Returns false when the object was already gone. */
  delete(ref: ObjectRef): Promise<boolean>;
  mergePatch(ref: ObjectRef, patch: unknown, options?: { subresource?: 'status' }): Promise<KubeObject>;
  /** Forget cached discovery (after a CRD was established). */
  forgetDiscovery(): void;
  /** Every kind the server serves, at each group's preferred version (a label search over all kinds). Optional. */
  discoverKinds?(): Promise<Discovery>;
  /** The server's version and every API version it serves, for charts that read `.Capabilities`. Optional. */
  serverCapabilities?(): Promise<ClusterCapabilities>;
  /**
   * The same API acting as ServiceAccount `namespace/name` (impersonation: its user name and groups),
   * for a Sync's `spec.serviceAccountName`. Optional: without it such a Sync is refused, never run as the agent.
   */
  asServiceAccount?(namespace: string, name: string): KubeApi;
}

/** One line of a watch stream. An `ERROR` event carries a Status (410 Gone: start again with a list). */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: { metadata?: { resourceVersion?: string; [key: string]: unknown }; code?: number; [key: string]: unknown };
}

/**
 * What the daemon needs besides a reconcile's calls: a list and watch of Sync objects, and the
 * create / compare-and-swap replace of its leader Lease.
 */
export interface KubeWatchApi {
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  /** POST: fails with `kube.conflict` (409) when the object exists. */
  create(object: KubeObject): Promise<KubeObject>;
  /** PUT with `metadata.resourceVersion` as precondition: `kube.conflict` (409) when it changed. */
  replace(object: KubeObject): Promise<KubeObject>;
  /** Every object of a kind, with the collection's resourceVersion to watch from. */
  listForWatch(apiVersion: string, kind: string, options?: { namespace?: string; labelSelector?: string }): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  /** Streams changes from `resourceVersion`; resolves when the server or `signal` ends the watch. */
  watch(apiVersion: string, kind: string, options: { namespace?: string; labelSelector?: string; resourceVersion: string; timeoutSeconds?: number }, signal: AbortSignal, onEvent: (event: WatchEvent) => void): Promise<void>;
  /** Returns false when the object was already gone (the webhook replay records' expiry). */
  delete(ref: ObjectRef): Promise<boolean>;
}

/** Every code a KubeApiError carries. */
export type KubeErrorCode =
  | 'kube.forbidden' | 'kube.unauthorized' | 'kube.not-found' | 'kube.conflict' | 'kube.invalid'
  | 'kube.immutable' | 'kube.unavailable' | 'kube.unknown-kind' | 'kube.error';

/** A Kubernetes API error, translated at the adapter edge; `code` is stable. */
export class KubeApiError extends FerryError {
  declare readonly code: KubeErrorCode;
  readonly statusCode: number;
  readonly reason: string;
  readonly detailsKind: string | undefined;
  constructor(code: KubeErrorCode, message: string, statusCode: number, reason: string, detailsKind?: string) {
    super(code, message);
    this.name = 'KubeApiError';
    this.statusCode = statusCode;
    this.reason = reason;
    this.detailsKind = detailsKind;
  }
}

// ---------------------------------------------------------------------------------------------
// Git

export interface SourceFile {
  /** Repository-relative path. */
  path: string;
  content: Buffer;
}

/**
 * How old an answer about the remote may be (the shared ref listing, the proof of access). The
 * daemon passes the Sync's interval and, after a webhook or spec change, the time it saw it: an
 * answer from before `notBefore` is never used. Absent: ask the remote now (one-shot runs).
 */
export interface RefFreshness {
  /** Accept a ref listing (with the same credentials) started at most this long ago. */
  maxAgeMs?: number | undefined;
  /** Epoch ms: accept only a listing started at or after this time. */
  notBefore?: number | undefined;
}

/** The Git source the reconcile steps use. */
export interface GitSource {
  /**
   * Which commit `ref` names on the remote, from one ls-refs of its branches and tags made with
   * these very `credentials` (shared by every caller with the same URL and credentials while it is
   * as fresh as `freshness` allows); for a commit ref the listing is the access check, so every
   * call proves these credentials may read `url`.
   */
  resolveRemote(url: string, ref: GitRef, credentials?: GitCredentials, freshness?: RefFreshness): Promise<string>;
  /**
   * Makes sure `commit` is in the local object store, fetching only what is missing. A commit
   * already present is handed out only when `credentials` proved access to `url` moments ago (or
   * within `freshness`); otherwise it asks the remote first. A refusal (401, 403, 404) throws before anything is read.
   */
  fetchCommit(url: string, ref: GitRef, commit: string, credentials?: GitCredentials, freshness?: RefFreshness): Promise<void>;
  /**
   * Files under `path` at `commit`, read straight from the object store (no work tree). Call it
   * only after `fetchCommit` with the reader's own credentials succeeded for this commit.
   * `accept` is asked about each file's path before its content is read: a declined file is never read.
   */
  readFiles(url: string, commit: string, path: string, accept?: (path: string) => boolean): Promise<SourceFile[]>;
  /** The raw commit object (headers, signature, message) of a fetched commit, for signature checks. */
  readCommit(url: string, commit: string): Promise<string>;
}

// ---------------------------------------------------------------------------------------------
// Rendering

/**
 * Paths of the binaries the renderers run: one per `tool` in render/renderer-catalog.ts (`kubectl`,
 * `helm`); the app reads them from flags or the environment.
 */
export type RenderTools = { [Tool in RenderToolName]?: string } & {
  /** How long one tool run may take before it is killed (default 2 minutes). */
  timeoutMs?: number;
  /** Where pulled `oci://` charts are kept by digest (the agent's `<cache-dir>/charts`; default `<tmpDir>/ferry-charts`). */
  chartCacheDir?: string;
};

/**
 * What Helm's `.Capabilities` should say about the cluster, from discovery (helm itself never
 * talks to the API server): `--kube-version` and `--api-versions`.
 */
export interface ClusterCapabilities {
  /** `v1.35.4`; undefined when the server's version is not a plain semantic version (helm's default then). */
  kubeVersion: string | undefined;
  /** Every served `group/version` (`v1` for the core group) and `group/version/Kind`, as `helm install` sees them. */
  apiVersions: string[];
}

export interface RenderInput {
  source: GitSource;
  url: string;
  commit: string;
  path: string;
  mode: RenderMode;
  /** The Sync's helm options; `crds` defaults to `Create` as in the schema. */
  helm?: (Omit<HelmOptions, 'crds'> & { crds?: HelmOptions['crds'] }) | undefined;
  kustomize?: KustomizeOptions | undefined;
  /** Namespace Helm renders into (`--namespace`). */
  namespace?: string | undefined;
  /** The live cluster's capabilities, asked only by a render that runs helm. Without it helm's defaults apply. */
  capabilities?: (() => Promise<ClusterCapabilities>) | undefined;
  /**
   * Registry credentials for an `oci://` chart (spec.helm.secretRef, or `--helm-registry-config`):
   * a Docker config holding only the chart host's entry, asked for only when a chart is pulled.
   */
  registryConfig?: (() => Promise<string>) | undefined;
  tools: RenderTools;
  /** Parent for the temporary directory kustomize and helm read from. */
  tmpDir: string;
}

export interface RenderResult {
  mode: Exclude<RenderMode, 'auto'>;
  objects: RenderedObject[];
}

/** Turns the files of a commit into objects (plain YAML, kustomize, Helm: adapters/renderers/). */
export interface Renderer {
  render(input: RenderInput): Promise<RenderResult>;
}

// ---------------------------------------------------------------------------------------------
// Reporting

/**
 * Told about each reconcile: `applying` once a new revision is about to be applied, `finished`
 * with the report. Optional (`ReconcileDeps.reporter`); never throws into the reconcile.
 */
export interface SyncReporter {
  applying(target: SyncTarget, revision: string): Promise<void>;
  finished(target: ReportedTarget, report: SyncReport): Promise<void>;
}

/** GitHub's commit status states. */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

/** One commit status, as the Git host stores it. */
export interface CommitStatus {
  repository: { owner: string; name: string };
  sha: string;
  state: CommitState;
  /** `ferry/<cluster>/<namespace>/<sync>`: the wire contract `ferry promote --wait-live` and `ferry status` read. */
  context: string;
  /** At most 140 characters (GitHub's limit), secrets redacted. */
  description: string;
  targetUrl?: string | undefined;
}

/** Where commit statuses go: the Git host's API (reporting/github-status-port.ts). */
export interface CommitStatusPort {
  postStatus(status: CommitStatus): Promise<void>;
}
