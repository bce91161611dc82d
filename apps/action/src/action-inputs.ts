// The action's inputs (INPUT_* variables the runner sets from action.yml's `with:`) mapped to a
// `ferry promote` command line and the credentials the CLI reads from its environment. Pure: the
// entry point passes process.env in once.
import { FerryError } from '@ferry/manifest-model';

/** Every input action.yml declares; the metadata test checks the two lists agree. */
export const ACTION_INPUTS = [
  'repo', 'env', 'app', 'image', 'file', 'key', 'from-env', 'push', 'auto-merge', 'merge-method', 'draft', 'labels', 'reviewers',
  'wait-merged', 'wait-live', 'clusters', 'timeout', 'dry-run', 'build-time', 'token', 'app-id', 'private-key', 'github-api-url',
  'source-commit', 'build-url',
] as const;
export type ActionInput = (typeof ACTION_INPUTS)[number];

/** What the entry point runs: `ferry promote <args>` with `env` added to the CLI's environment. */
export interface PromoteInvocation {
  args: string[];
  /** Credentials for the CLI (FERRY_GITHUB_TOKEN, or the app pair); never printed. */
  env: Record<string, string>;
}

/**
 * The variable the runner sets for an input: `INPUT_` + the name upper-cased with spaces turned
 * into `_`; hyphens are kept (`auto-merge` -> `INPUT_AUTO-MERGE`), as @actions/core reads them.
 */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

function inputError(name: ActionInput, message: string, hint: string): FerryError {
  return new FerryError('input.action', `input ${name}: ${message}`, { hint });
}

/**
 * Maps the inputs to `ferry promote` flags. Values travel as argv elements, never through a shell;
 * the CLI validates each one (names, commit ids, URLs, control characters) before anything is fetched.
 */
export function readActionInputs(env: Readonly<Record<string, string | undefined>>): PromoteInvocation {
  const raw = (name: ActionInput): string => env[inputVariable(name)] ?? '';
  const text = (name: ActionInput): string => raw(name).trim();
  const lines = (name: ActionInput): string[] => raw(name).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const list = (name: ActionInput): string[] => raw(name).split(/[\n,]/).map((l) => l.trim()).filter(Boolean);
  const flag = (name: ActionInput): boolean => {
    const value = text(name);
    if (value === '' || /^(false|False|FALSE)$/.test(value)) return false;
    if (/^(true|True|TRUE)$/.test(value)) return true;
    throw inputError(name, `must be true or false, not "${value}"`, 'YAML booleans as GitHub passes them: true or false');
  };

  const args: string[] = [];
  const add = (option: string, value: string): void => {
    if (value) args.push(option, value);
  };
  for (const name of ['repo', 'env'] as const) {
    if (!text(name)) throw inputError(name, 'is required', `set it under "with:" (docs/action.md)`);
  }
  add('--repo', text('repo'));
  add('--env', text('env'));
  add('--app', text('app'));

  // `file` and `key`: one path (key) per line, paired by position.
  const files = lines('file');
  const keys = lines('key');
  if (keys.length && keys.length !== files.length) {
    throw inputError('key', `has ${keys.length} line(s) but file has ${files.length}`, 'give one key per file line, in the same order, or no key');
  }
  files.forEach((path, i) => {
    add('--file', path);
    if (keys[i] !== undefined) add('--key', keys[i]);
  });
  // Several lines: a group promotion, one commit or pull request for all of them (each line
  // `[APP=]NAME:TAG`; the app is found in ferry.yaml by the image when not named).
  for (const image of lines('image')) add('--image', image);
  add('--from-env', text('from-env'));
  add('--push', text('push'));

  const waitMerged = flag('wait-merged');
  const waitLive = flag('wait-live');
  if (flag('auto-merge')) args.push('--auto-merge');
  if (waitMerged) args.push('--wait-merged');
  if (waitLive) args.push('--wait-live');
  if (flag('dry-run')) args.push('--dry-run');
  if (flag('draft')) args.push('--draft');
  add('--merge-method', text('merge-method'));
  for (const label of list('labels')) add('--label', label);
  for (const reviewer of list('reviewers')) add('--reviewer', reviewer);
  add('--clusters', text('clusters'));
  // The timeout input has a default; it means something only with a wait.
  if (waitMerged || waitLive) add('--timeout', text('timeout'));
  add('--build-time', text('build-time'));
  add('--source-commit', text('source-commit'));
  add('--build-url', text('build-url'));
  // github.com's own API URL is the CLI's default; passing it would mark any --repo URL as GitHub.
  const apiUrl = text('github-api-url');
  if (apiUrl !== 'https://api.github.com') add('--github-api-url', apiUrl);

  return { args, env: readCredentials(text('app-id'), raw('private-key').trim(), text('token')) };
}

/** A GitHub App (both inputs) wins over the token; one half of the pair alone is an error. */
function readCredentials(appId: string, privateKey: string, token: string): Record<string, string> {
  if (appId || privateKey) {
    if (!appId) throw inputError('app-id', 'is required with private-key', 'set app-id to the GitHub App\'s id (or client id)');
    if (!privateKey) throw inputError('private-key', 'is required with app-id', 'set private-key to the app\'s PEM key, e.g. ${{ secrets.FERRY_APP_PRIVATE_KEY }}');
    // A PEM pasted into a secret as one line with literal \n sequences is still that key.
    const pem = privateKey.includes('-----BEGIN') && !privateKey.includes('\n') ? privateKey.replace(/\\n/g, '\n') : privateKey;
    return { FERRY_GITHUB_APP_ID: appId, FERRY_GITHUB_APP_PRIVATE_KEY: pem };
  }
  return token ? { FERRY_GITHUB_TOKEN: token } : {};
}
