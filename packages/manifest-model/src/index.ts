export { FerryError, redactSecrets } from './errors.js';
export type { FerryErrorOptions, SourceLocation } from './errors.js';
