export { isPackDownload, isRefListing, startGitServer } from './git-server/start-git-server.js';
export type { GitServer, GitServerAuth, GitServerOptions, RequestLogEntry } from './git-server/start-git-server.js';
export type { CreateRepoOptions } from './git-server/create-bare-repo.js';
export { runGit } from './git-server/run-git.js';
export { commitFiles, readRefs } from './git-server/commit-files.js';
export type { CommitFilesOptions, RepoEntry } from './git-server/commit-files.js';
export type { RunGitOptions, RunGitResult } from './git-server/run-git.js';
export type {
  Fault,
  FaultController,
  FaultKind,
  FaultOptions,
  FaultScope,
  FaultSpec,
  GitService,
  GitStage,
} from './git-server/fault-controller.js';

export { ferryCacheDir, helmPath, installKubeTools, kubectlPath } from './binaries.js';
export type { KubeToolsOptions, KubeToolsPaths } from './binaries.js';

export {
  startGitHubEmulator,
  createOpenApiValidator,
  validateGitHubGraphql,
  loadGitHubGraphqlSchema,
  startEmulatorWorld,
} from './github/index.js';
export type {
  GitHubEmulator,
  GitHubEmulatorOptions,
  GitHubEmulatorFaults,
  ExchangeRecord,
  OpenApiValidator,
  HttpExchange,
  Violation,
  AppOptions,
  EmulatorState,
  PullRecord,
  RepoRecord,
  CommitStatusRecord,
  MergeMethod,
  EmulatorWorld,
  EmulatorWorldOptions,
} from './github/index.js';

export { startControlPlane } from './kube/control-plane.js';
export type { ControlPlane, ControlPlaneOptions } from './kube/control-plane.js';
export type { ClientIdentity } from './kube/certificates.js';
export { createServiceAccountIdentity } from './kube/restricted-identity.js';
export type { ServiceAccountIdentity, ServiceAccountIdentityOptions } from './kube/restricted-identity.js';
export { kubectl, runKubectl, waitForCrd } from './kube/run-kubectl.js';
export type { KubectlResult, RunKubectlOptions } from './kube/run-kubectl.js';
export { buildKubeBinaries, etcdVersion, findKubeBinaries, findNodeSimulationBinaries, kubernetesVersion, kwokVersion } from './kube/kube-binaries.js';
export type { KubeBinaries, KubeBinariesOptions, NodeSimulationBinaries } from './kube/kube-binaries.js';

export { startRegistry } from './registry/start-registry.js';
export type { RegistryAuth, RegistryOptions, TestRegistry } from './registry/start-registry.js';
export { startTokenServer } from './registry/token-server.js';
export type { RegistryUser, ResourceAccess, TokenRequest, TokenServer, TokenServerOptions } from './registry/token-server.js';
export { startRegistryProxy } from './registry/registry-proxy.js';
export type { ProxiedRequest, RegistryProxy } from './registry/registry-proxy.js';
export { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from './registry/push-image.js';
export type { PushedImage, PushImageOptions } from './registry/push-image.js';
export { buildRegistryBinary, findRegistryBinary, registryBinaryPath, registryVersion } from './registry/registry-binary.js';
export type { RegistryBinaryOptions } from './registry/registry-binary.js';
export { bcryptHash } from './registry/bcrypt.js';

export { startGitea } from './gitea/start-gitea.js';
export type { CreateGiteaRepoOptions, GiteaOptions, GiteaRepo, GiteaUser, TestGitea } from './gitea/start-gitea.js';
export { buildGiteaBinary, findGiteaBinary, giteaInstallPath, giteaVersion } from './gitea/gitea-binary.js';
export type { GiteaBinaryOptions, GiteaInstall } from './gitea/gitea-binary.js';

export { shippedBin } from './packaging/shipped-bins.js';
export { findSecrets, maskSecrets } from './secrets/find-secrets.js';
export type { FindSecretsOptions, SecretFinding, SecretKind } from './secrets/find-secrets.js';
export { collectCommitText, collectGitHubText, expectNoSecrets, expectNoSecretsInWorld } from './secrets/expect-no-secrets.js';
export * from './secrets/test-secrets.js';
