import type { GateCommit } from './core/check-gate.js';
import type { VersionSummary } from './core/plan-promotion.js';

/**
 * The git side of a promotion, as the core needs it: read a few files at a branch head, write
 * one commit on top, and move a branch only if it is still where we saw it.
 */
export interface ConfigRepository {
  /** Fetches the branch the remote's HEAD points at (where ferry.yaml lives); null for an empty repo. */
  fetchDefaultBranch(): Promise<{ branch: string; head: string } | null>;
  /** Remote head of a branch, or null when it does not exist (one cheap ref listing). */
  resolveBranch(branch: string): Promise<string | null>;
  /** Makes the branch head available locally (shallow, single branch); null when it does not exist. */
  fetchBranch(branch: string): Promise<string | null>;
  /** Contents at a fetched commit; null for a path that does not exist there. */
  readFiles(commit: string, paths: string[]): Promise<Map<string, string | null>>;
  /** The message of a fetched commit (trailers name the promotion it carries). */
  readCommitMessage(commit: string): Promise<string>;
  /**
   * Commits of `branch` from `commit` (a head this workspace fetched) back, newest first, at most
   * `depth`: what `order: build-time` reads promotion trailers from. Fewer when history is shorter;
   * [] when `commit` is no longer on the branch (it was rewritten: the compare-and-swap push fails anyway).
   */
  readHistory(branch: string, commit: string, depth: number): Promise<{ oid: string; message: string }[]>;
  /** Writes a commit with `files` replaced on top of `parent`; returns its id. Nothing leaves the machine. */
  writeCommit(input: { parent: string; files: { path: string; content: string }[]; message: string }): Promise<string>;
  /**
   * Compare-and-swap: moves `branch` to `commit` only if the remote still has it at `expected`
   * (null: the branch must not exist yet). `rejected` when someone else moved it first.
   */
  pushBranch(input: { branch: string; commit: string; expected: string | null }): Promise<'pushed' | 'rejected'>;
  /** Compare-and-swap delete: removes `branch` only if it is still at `expected`. */
  deleteBranch(input: { branch: string; expected: string }): Promise<'deleted' | 'rejected'>;
  /** Removes local scratch state. */
  close(): Promise<void>;
}

/**
 * What the promotion gate (core/check-gate.ts) reads: the source environment's branch, newest
 * first, with the app's versions in its files and the agents' statuses on the commits that matter.
 */
export interface GateEvidenceReader {
  read(request: GateEvidenceRequest): Promise<GateCommit[]>;
}

export interface GateEvidenceRequest {
  branch: string;
  /** The app's files in the source environment (ferry.yaml), and its image. */
  files: { path: string; key?: string | undefined }[];
  image: string;
  version: VersionSummary;
}

/**
 * The image registry, as `--verify-image` asks it (OCI distribution API, adapters/registry-client.ts):
 * read-only, and only before anything is written.
 */
export interface ImageRegistry {
  /**
   * What `reference` (a tag or a digest) of `image` (a repository name as ferry.yaml or --image
   * spells it) resolves to: the manifest's digest, for a multi-arch image the image index's.
   * Throws FerryError `registry.*` when the registry cannot be asked (down, 5xx, auth).
   */
  resolveManifest(image: string, reference: string): Promise<ManifestLookup>;
}

export type ManifestLookup =
  | { found: true; digest: string; mediaType: string; /** An image index or manifest list (multi-arch). */ index: boolean; registry: string }
  /** `detail`: the registry's own words (e.g. "manifest unknown"). */
  | { found: false; registry: string; detail: string };
