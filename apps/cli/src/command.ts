import { FerryError } from '@ferry/manifest-model';

/** Where a command writes; process.stdout/stderr in the bin, string buffers in tests. */
export interface Output { write(chunk: string): unknown }

/** Everything a command may touch of its process, passed in so commands run in-process in tests. */
export interface CliIo {
  stdout: Output;
  stderr: Output;
  /** Directory that relative FILE arguments are resolved against. */
  cwd: string;
  /** Environment, read once by the bin (commands never read process.env). */
  env: Readonly<Record<string, string | undefined>>;
}

/** A subcommand: `ferry <name> ...`. Register it in COMMANDS in command-list.ts. */
export interface Command {
  name: string;
  /** One line for `ferry --help`. */
  summary: string;
  /** Full `ferry <name> --help` text. */
  help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

export { ExitCode } from './exit-code.js';

/** A usage error: bad flags or arguments (exit 2). */
export class UsageError extends FerryError {
  constructor(message: string, hint?: string) {
    super('input.usage', message, hint ? { hint } : {});
  }
}

/**
 * `ferry COMMAND: what went wrong`: this line names the command, so no message does (a message is
 * also the `--json` error and the Action's annotation, which name the command themselves).
 */
export function commandErrorLine(command: string, err: FerryError): string {
  return `ferry ${command}: ${err.describe()}\n`;
}
