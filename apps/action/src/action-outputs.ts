// The step outputs and the log/summary lines, from `ferry promote --json`'s result. Pure.

/** The fields of `ferry promote --json` the action reads (PromoteResult plus live and exitCode). */
export interface PromoteJson {
  outcome: string;
  changed?: boolean;
  message?: string;
  reason?: string;
  commit?: string;
  mergeSha?: string;
  pullRequest?: { number: number; url: string };
  live?: { outcome: string; message: string };
  error?: { code: string; message: string; file?: string; line?: number; hint?: string };
  exitCode?: number;
  /** One promotion: its app and promoted image. */
  app?: string;
  image?: string;
  /** A group promotion (several images): each app's own result. */
  apps?: { app: string; outcome: string; reason?: string; image: string; message?: string; exitCode?: number }[];
}

/** Every output action.yml declares, in the order they are written. */
export const ACTION_OUTPUTS = ['outcome', 'changed', 'pr-number', 'pr-url', 'head-sha', 'merge-sha', 'live', 'apps'] as const;
export type ActionOutputs = Record<(typeof ACTION_OUTPUTS)[number], string>;

/**
 * `outcome` is the promoter's (promoted, pull-request, unchanged, older, refused, dry-run, closed,
 * timeout) except that a refusal by a hold reads `held`; `error` when the CLI failed before a result.
 */
export function actionOutputs(result: PromoteJson): ActionOutputs {
  const outcome = outcomeName(result);
  return {
    outcome,
    changed: String(result.changed === true),
    'pr-number': result.pullRequest ? String(result.pullRequest.number) : '',
    'pr-url': result.pullRequest?.url ?? '',
    'head-sha': result.commit ?? '',
    'merge-sha': result.mergeSha ?? '',
    live: result.live?.outcome ?? '',
    apps: formatApps(result),
  };
}

function outcomeName(r: { outcome: string; reason?: string | undefined }): string {
  return r.outcome === 'refused' && r.reason === 'hold' ? 'held' : r.outcome;
}

/**
 * `apps`: one line of JSON, an array with an entry per app (`app`, `outcome` as above, `image`): one
 * for a single promotion, every app of a group (whose `blocked` apps were not promoted because
 * another app was refused). Empty when the CLI failed before a result.
 */
function formatApps(result: PromoteJson): string {
  if (result.apps) return JSON.stringify(result.apps.map((a) => ({ app: a.app, outcome: outcomeName(a), image: a.image })));
  if (result.app === undefined) return '';
  return JSON.stringify([{ app: result.app, outcome: outcomeName(result), image: result.image ?? '' }]);
}

/**
 * `name=value` lines for GITHUB_OUTPUT; a value with a line break (none today) would use the
 * documented heredoc form with a delimiter the value does not contain.
 */
export function formatOutputFile(outputs: Record<string, string>): string {
  return Object.entries(outputs).map(([name, value]) => {
    if (!/[\r\n]/.test(value)) return `${name}=${value}\n`;
    let delimiter = 'ferry_EOF';
    while (value.includes(delimiter)) delimiter += '_';
    return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }).join('');
}

/** A workflow command's data: `%`, CR and LF escaped as the runner expects. */
export function escapeCommandData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** The log lines: what happened, then where (PR, merge, live). */
export function formatLog(result: PromoteJson): string {
  const lines = [result.message ?? result.outcome];
  for (const a of result.apps ?? []) lines.push(`  ${a.app}: ${outcomeName(a)} ${a.image}`);
  if (result.pullRequest) lines.push(`pull request: ${result.pullRequest.url}`);
  if (result.mergeSha) lines.push(`merge sha: ${result.mergeSha}`);
  if (result.live) lines.push(`${result.live.outcome === 'live' ? 'live' : 'NOT live'}: ${result.live.message}`);
  return `${lines.join('\n')}\n`;
}
