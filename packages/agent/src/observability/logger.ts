import { redactSecrets } from '@ferry/manifest-model';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

/** Structured JSON lines. `child` binds fields (sync, revision) so every line about a Sync carries them. */
export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createJsonLogger(write: (line: string) => void, options: { level?: LogLevel; now?: () => Date; bound?: LogFields } = {}): Logger {
  const min = order[options.level ?? 'info'];
  const now = options.now ?? (() => new Date());
  const bound = options.bound ?? {};
  const log = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (order[level] < min) return;
    const entry = { time: now().toISOString(), level, msg: redactSecrets(msg), ...bound, ...fields };
    // Secrets never reach logs: redact every string the line carries, not only the message.
    write(`${redactSecrets(JSON.stringify(entry))}\n`);
  };
  return {
    log,
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    debug: (msg, fields) => log('debug', msg, fields),
    child: (fields) => createJsonLogger(write, { ...options, bound: { ...bound, ...fields } }),
  };
}
