// Imports nothing heavy: the command list holds names and summaries, and a command's module is
// loaded only when it runs (see command-list.ts). Keep it so: `ferry --help` is measured by
// `npm run bench` against `node -e 0`.
import type { CliIo } from './command.js';
import { COMMANDS } from './command-list.js';
import { ExitCode } from './exit-code.js';

export type { CliIo, Command, Output } from './command.js';
export type { CommandEntry } from './command-list.js';
export { ExitCode } from './exit-code.js';
export { COMMANDS } from './command-list.js';

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

/** `file:line:col: message` plus hint; loaded with the command's modules, never for --help. */
async function describeError(err: unknown): Promise<string> {
  return (await import('./describe-error.js')).describeError(err);
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
    full.stdout.write(topic ? (await topic.load()).help : topLevelHelp());
    return ExitCode.Ok;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    full.stderr.write(`ferry: unknown command "${name}"\n\n${topLevelHelp()}`);
    return ExitCode.BadInput;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    full.stdout.write(command.help);
    return ExitCode.Ok;
  }
  try {
    return await command.run(rest, full);
  } catch (err) {
    full.stderr.write(`ferry ${command.name}: ${await describeError(err)}\n`);
    return ExitCode.BadInput;
  }
}
