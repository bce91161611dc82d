/** Exit codes shared by every command. Its own module (no imports) so `ferry --help` loads nothing else. */
export const ExitCode = {
  /** Done (or nothing to do). */
  Ok: 0,
  /** `--check`: a change is needed. */
  ChangeNeeded: 1,
  /** Bad input: usage, unreadable file, invalid YAML or reference. Nothing was written. */
  BadInput: 2,
  /** What was asked for was not found. Nothing was written. */
  NotFound: 3,
} as const;
