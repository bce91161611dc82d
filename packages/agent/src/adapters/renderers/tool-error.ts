import { FerryError } from '@ferry/manifest-model';
import { posix } from 'node:path';
import { defaultToolTimeoutMs, type ToolResult } from './run-tool.js';

/** A killed tool is a render that cannot finish: reported Stalled, retried at the Sync's interval (not in a loop). */
export function checkFinished(result: ToolResult, tool: string, timeoutMs: number | undefined, target: string): void {
  if (result.timedOut) {
    throw new FerryError('render.timeout', `${tool} did not finish within ${formatSeconds(timeoutMs ?? defaultToolTimeoutMs)} and was stopped`, {
      file: target,
      hint: 'a render that waits for input or never ends (a template loop, a huge chart); fix the source; nothing was applied or pruned',
    });
  }
  if (result.tooLarge) {
    throw new FerryError('render.too-large', `${tool} wrote more output than the agent accepts (512 MiB) and was stopped`, { file: target, hint: 'split the source into several Syncs; nothing was applied or pruned' });
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Turns tool stderr into a FerryError, pointing at the repository file and line when it names one. */
export function toolError(code: string, tool: string, stderr: string, dir: string, target: string): FerryError {
  const text = stderr.split(dir + '/').join('').split(dir).join('.').trim();
  const message = text.replace(/^Error:\s*/i, '').split('\n').slice(0, 6).join('\n');
  const template = /(?:^|\s)[^/\s:]+\/(templates\/\S+?\.(?:ya?ml|tpl|txt|json)):(\d+)/m.exec(text);
  const yamlOn = /(?:parse error on|error on) [^/\s]+\/(\S+?):.*?line (\d+)/.exec(text);
  const kustomizeFile = /(?:in File|from|file) '?([\w./-]+\.ya?ml)'?/i.exec(text);
  const line = /line (\d+)/.exec(text)?.[1];
  let file = target;
  let at: number | undefined = line ? Number(line) : undefined;
  if (template) {
    file = posix.join(target, template[1] ?? '');
    at = Number(template[2]);
  } else if (yamlOn) {
    file = posix.join(target, yamlOn[1] ?? '');
    at = Number(yamlOn[2]);
  } else if (kustomizeFile?.[1]) {
    const named = kustomizeFile[1];
    file = named.startsWith(target + '/') || target === '.' ? named : posix.join(target, named);
  }
  return new FerryError(code, `${tool} failed: ${message}`, { file, ...(at !== undefined ? { line: at } : {}), hint: 'fix the source; nothing was applied or pruned' });
}
