export { FerryError, redactSecrets } from './errors.js';
export type { FerryErrorOptions, SourceLocation } from './errors.js';
export {
  FerryConfig, Environment, App, AppEnvironment, Policy, Hold, TargetFile, MergeMethod, PushMode,
  parseFerryConfig, resolveAppEnvironment, buildFerryConfigJsonSchema,
} from './config/ferry-config.js';
export type { ResolvedAppEnvironment, ResolvedTargetFile } from './config/ferry-config.js';
