/** Arguments after `ferry promote` from the action's INPUT_* variables; throws on a bad boolean. */
export function buildPromoteArgs(env: Record<string, string | undefined>): string[];
