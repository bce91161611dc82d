// Maps the action's inputs (INPUT_* variables, set by action.yml) to `ferry promote` arguments.
// Plain JavaScript so the action runs from the built CLI without a build step of its own.

/** Boolean inputs as GitHub passes them: the YAML 1.2 core schema's true/false words. */
function readBoolean(env, name) {
  const value = (env[`INPUT_${name}`] ?? '').trim();
  if (value === '') return false;
  if (/^(true|True|TRUE)$/.test(value)) return true;
  if (/^(false|False|FALSE)$/.test(value)) return false;
  throw new Error(`input ${name.toLowerCase().replaceAll('_', '-')} must be true or false, not "${value}"`);
}

const STRING_INPUTS = [
  ['REPO', '--repo'], ['ENV', '--env'], ['APP', '--app'], ['IMAGE', '--image'], ['FROM_ENV', '--from-env'], ['PUSH', '--push'],
  ['CLUSTERS', '--clusters'], ['GITHUB_API_URL', '--github-api-url'], ['SOURCE_COMMIT', '--source-commit'], ['BUILD_URL', '--build-url'],
];
const BOOLEAN_INPUTS = [['AUTO_MERGE', '--auto-merge'], ['WAIT_MERGED', '--wait-merged'], ['WAIT_LIVE', '--wait-live'], ['DRY_RUN', '--dry-run']];

/**
 * @param {Record<string, string | undefined>} env
 * @returns {string[]} arguments after `ferry promote`
 */
export function buildPromoteArgs(env) {
  const args = [];
  for (const [name, flag] of STRING_INPUTS) {
    const value = (env[`INPUT_${name}`] ?? '').trim();
    // github.com's own API URL is the CLI's default; passing it would mark any --repo URL as GitHub.
    if (value && !(name === 'GITHUB_API_URL' && value === 'https://api.github.com')) args.push(flag, value);
  }
  const booleans = Object.fromEntries(BOOLEAN_INPUTS.map(([name, flag]) => [flag, readBoolean(env, name)]));
  for (const [flag, on] of Object.entries(booleans)) if (on) args.push(flag);
  // --timeout only means something with a wait; the input has a default.
  const timeout = (env['INPUT_TIMEOUT'] ?? '').trim();
  if (timeout && (booleans['--wait-merged'] || booleans['--wait-live'])) args.push('--timeout', timeout);
  return args;
}
