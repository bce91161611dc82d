// The CLI as a library: `main` runs any `ferry` command in-process with the I/O passed in (the
// GitHub Action bundles it this way; apps/action).
export { main, COMMANDS, ExitCode } from './main.js';
export type { CliIo, Command, Output } from './main.js';
