import { isMap, isScalar, parseDocument, type Pair, type YAMLMap } from 'yaml';
import { FerryError, parseFerryConfig, resolveAppEnvironment } from '@ferry/manifest-model';

export interface HoldInput {
  reason: string;
  by?: string | undefined;
  since?: string | undefined;
}

/**
 * Sets `apps.<app>.environments.<env>.hold` in ferry.yaml text, changing nothing else: the hold is
 * written as one flow mapping, replacing an existing hold or added as the last entry (block or
 * flow style). The result is re-parsed and must differ from the input only by that hold.
 */
export function setHold(content: string, app: string, env: string, hold: HoldInput, file = 'ferry.yaml'): string {
  const doc = parseDocument(content);
  const envMap = doc.getIn(['apps', app, 'environments', env], true);
  if (!isMap(envMap)) throw new FerryError('config.not-found', `${file} has no mapping apps.${app}.environments.${env}`, { file });
  const value = formatHold(hold);
  const existing = (envMap as YAMLMap).items.find((p: Pair) => isScalar(p.key) && p.key.value === 'hold');
  let next: string;
  if (existing) {
    const range = (existing.value as { range?: [number, number, number] } | null)?.range;
    if (!range) throw new FerryError('edit.unsupported', `${file}: cannot locate the value of the existing hold`, { file });
    next = content.slice(0, range[0]) + value + content.slice(range[1]);
  } else if ((envMap as YAMLMap).flow) {
    const end = (envMap as YAMLMap).range![1];
    const close = content.lastIndexOf('}', end);
    const before = content.slice(0, close).trimEnd();
    next = `${before}${before.endsWith('{') ? ' ' : ', '}hold: ${value} ${content.slice(close)}`;
  } else {
    const items = (envMap as YAMLMap).items;
    const first = items[0]!;
    const keyStart = (first.key as { range: [number, number, number] }).range[0];
    const indent = keyStart - (content.lastIndexOf('\n', keyStart - 1) + 1);
    const last = items[items.length - 1]!;
    const lastEnd = ((last.value ?? last.key) as { range: [number, number, number] }).range[1];
    // The end of the last line that holds content of the mapping (keeps a trailing comment on it).
    let at = lastEnd;
    while (at > 0 && /\s/.test(content[at - 1]!)) at--;
    const eol = content.indexOf('\n', at);
    const insertAt = eol === -1 ? content.length : eol;
    const newline = content.includes('\r\n') ? '\r\n' : '\n';
    const lineEnd = content[insertAt - 1] === '\r' ? insertAt - 1 : insertAt;
    next = `${content.slice(0, lineEnd)}${newline}${' '.repeat(indent)}hold: ${value}${content.slice(lineEnd)}`;
  }
  verifyHold(content, next, app, env, hold, file);
  return next;
}

function formatHold(hold: HoldInput): string {
  const parts = [`reason: ${JSON.stringify(hold.reason)}`];
  if (hold.by) parts.push(`by: ${JSON.stringify(hold.by)}`);
  if (hold.since) parts.push(`since: ${JSON.stringify(hold.since)}`);
  return `{ ${parts.join(', ')} }`;
}

/** Only the hold changed: the edited config, with the hold removed again, equals the original. */
function verifyHold(before: string, after: string, app: string, env: string, hold: HoldInput, file: string): void {
  const original = parseFerryConfig(before, file);
  const edited = parseFerryConfig(after, file);
  const got = resolveAppEnvironment(edited, app, env).hold;
  const strip = (config: typeof original) => {
    const copy = structuredClone(config);
    delete copy.apps[app]!.environments[env]!.hold;
    return JSON.stringify(copy);
  };
  if (got?.reason !== hold.reason || got.by !== hold.by || got.since !== hold.since || strip(original) !== strip(edited)) {
    throw new FerryError('edit.verify-failed', `${file}: setting the hold of ${app} in ${env} would change more than the hold`, { file, hint: 'set the hold by hand' });
  }
}
