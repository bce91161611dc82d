// The CLI as a library: `main` runs any `ferry` command in-process with the I/O passed in (the
// GitHub Action bundles it this way; apps/action). COMMANDS lists each command's name and summary;
// `load()` imports the command itself.
export { main, COMMANDS, ExitCode } from './main.js';
export type { CliIo, Command, CommandEntry, Output } from './main.js';
