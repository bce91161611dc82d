import type { Command } from './command.js';

/**
 * A subcommand as `ferry --help` sees it: its name and one-line summary, and how to load the rest.
 * Each command's module (and through it the promoter, zod, yaml, isomorphic-git, Octokit) is
 * imported only when that command runs or prints its own help, so `ferry --help` and a mistyped
 * command load nothing but this file (issue 14: the CLI loads only what a command uses).
 */
export interface CommandEntry {
  name: string;
  /** One line for `ferry --help`; the same text as the loaded command's `summary` (a test checks). */
  summary: string;
  load(): Promise<Command>;
}

/** Every subcommand; adding one is one entry here. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'set-image',
    summary: 'set an image tag/digest in Helm values, kustomizations and manifests, keeping the files as written',
    load: async () => (await import('./commands/set-image.js')).setImageCommand,
  },
  {
    name: 'promote',
    summary: 'promote an image into the config repo (commit or pull request, safe under concurrency)',
    load: async () => (await import('./commands/promote.js')).promoteCommand,
  },
  {
    name: 'status',
    summary: 'what version git holds per app in an environment, and what each cluster runs',
    load: async () => (await import('./commands/status.js')).statusCommand,
  },
  {
    name: 'rollback',
    summary: 'promote an app back to an earlier version from history and hold it there',
    load: async () => (await import('./commands/rollback.js')).rollbackCommand,
  },
];
