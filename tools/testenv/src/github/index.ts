export { startGitHubEmulator } from './start-github-emulator.js';
export type { GitHubEmulator, GitHubEmulatorOptions, GitHubEmulatorFaults, ExchangeRecord } from './start-github-emulator.js';
export { createOpenApiValidator } from './openapi-validator.js';
export type { OpenApiValidator, HttpExchange, Violation } from './openapi-validator.js';
export { validateGitHubGraphql, loadGitHubGraphqlSchema } from './graphql-api.js';
export type { AppOptions } from './app-auth.js';
export type { EmulatorState, PullRecord, RepoRecord, CommitStatusRecord, MergeMethod } from './emulator-state.js';
export { startEmulatorWorld } from './emulator-test-kit.js';
export type { EmulatorWorld, EmulatorWorldOptions } from './emulator-test-kit.js';
