// The action as a function of its process (environment, streams): inputs -> `ferry promote --json`
// run in-process -> step outputs, annotations and the job summary. The bundle's entry point
// (main.ts) passes the real process; nothing else here reads it.
import { appendFile } from 'node:fs/promises';
import { FerryError } from '@ferry/manifest-model';
import { main, type Output } from '@ferry/cli';
import { markdownText } from '@ferry/promoter';
import { readActionInputs } from './action-inputs.js';
import { actionOutputs, escapeCommandData, formatLog, formatOutputFile, type PromoteJson } from './action-outputs.js';

export interface ActionIo {
  stdout: Output;
  stderr: Output;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** Exit 2, as the CLI's bad input: an input the action itself could not map. */
const BAD_INPUT = 2;

export async function runAction(io: ActionIo): Promise<number> {
  const outputFile = io.env['GITHUB_OUTPUT'];
  const summaryFile = io.env['GITHUB_STEP_SUMMARY'];
  const fail = async (message: string, hint: string | undefined): Promise<void> => {
    io.stderr.write(`::error title=ferry promote::${escapeCommandData(hint ? `${message} (hint: ${hint})` : message)}\n`);
    if (summaryFile) await appendFile(summaryFile, `### ferry promote failed\n\n${markdownText(message)}\n\n${hint ? `Hint: ${markdownText(hint)}\n\n` : ''}`);
  };

  let invocation;
  try {
    invocation = readActionInputs(io.env);
  } catch (err) {
    if (!(err instanceof FerryError)) throw err;
    await fail(err.message, err.hint);
    if (outputFile) await appendFile(outputFile, formatOutputFile({ outcome: 'error' }));
    return BAD_INPUT;
  }

  // The CLI writes the job summary (GITHUB_STEP_SUMMARY); the outputs are written here, once, from
  // its JSON result, so GITHUB_OUTPUT is not passed on.
  const captured: string[] = [];
  const code = await main(['promote', ...invocation.args, '--json'], {
    stdout: { write: (chunk: string) => captured.push(chunk) },
    stderr: io.stderr,
    cwd: io.cwd,
    env: { GITHUB_ACTIONS: 'true', ...(summaryFile ? { GITHUB_STEP_SUMMARY: summaryFile } : {}), ...invocation.env },
  });
  const result = parseResult(captured.join(''));
  if (!result) {
    // A failure before the command could answer in JSON; the CLI has said why on stderr.
    await fail(`ferry promote failed with exit code ${code}; see the log above`, undefined);
    if (outputFile) await appendFile(outputFile, formatOutputFile({ outcome: 'error' }));
    return code === 0 ? 1 : code;
  }
  if (outputFile) await appendFile(outputFile, formatOutputFile(actionOutputs(result)));
  if (result.error) await fail(result.error.message, result.error.hint);
  else {
    io.stdout.write(formatLog(result));
    if (code !== 0) await fail(result.live && result.live.outcome !== 'live' ? result.live.message : (result.message ?? result.outcome), undefined);
  }
  return code;
}

function parseResult(text: string): PromoteJson | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && typeof (value as PromoteJson).outcome === 'string' ? value as PromoteJson : undefined;
  } catch {
    return undefined;
  }
}
