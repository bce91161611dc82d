import { ExitCode, type CliIo, type Command } from './command.js';
import { setImageCommand } from './commands/set-image.js';
import { promoteCommand } from './commands/promote.js';
import { rollbackCommand } from './commands/rollback.js';
import { statusCommand } from './commands/status.js';
import { describeError } from './describe-error.js';

export type { CliIo, Command, Output } from './command.js';
export { ExitCode } from './command.js';

/** Every subcommand; adding one is one line here. */
export const COMMANDS: readonly Command[] = [
  setImageCommand,
  promoteCommand,
  statusCommand,
  rollbackCommand,
];

function topLevelHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'ferry: promote container images through Git (CI edits the config repo; an agent applies it).',
    '',
    'Usage: ferry <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Flags:',
    '  -h, --help  show help (also: ferry <command> --help)',
    '',
    'Exit codes: 0 done, 2 bad input; each command documents the rest in its --help.',
    '',
  ].join('\n');
}

/**
 * The whole CLI as a function: arguments and I/O in, exit code out. The bin passes the real
 * process streams, cwd and environment; tests pass buffers.
 */
export async function main(argv: string[], io: Partial<CliIo> & Pick<CliIo, 'stdout' | 'stderr'>): Promise<number> {
  const full: CliIo = { cwd: io.cwd ?? process.cwd(), env: io.env ?? {}, stdout: io.stdout, stderr: io.stderr };
  const [name, ...rest] = argv;
  if (name === undefined) {
    full.stderr.write(topLevelHelp());
    return ExitCode.BadInput;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    full.stdout.write(topic ? topic.help : topLevelHelp());
    return ExitCode.Ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    full.stderr.write(`ferry: unknown command "${name}"\n\n${topLevelHelp()}`);
    return ExitCode.BadInput;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    full.stdout.write(command.help);
    return ExitCode.Ok;
  }
  try {
    return await command.run(rest, full);
  } catch (err) {
    full.stderr.write(`ferry ${command.name}: ${describeError(err)}\n`);
    return ExitCode.BadInput;
  }
}
