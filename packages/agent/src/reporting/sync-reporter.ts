// The reporter port lives in ports.ts with the others; kept here for existing imports.
export type { SyncReporter } from '../ports.js';
