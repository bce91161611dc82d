// Malformed `ferry-agent sync|diff|run` command lines, run as the real bin
// (agent-cli.bad-input.test.ts). One row per case. Exit code 2 as documented: a usage error, which
// includes a source given by flags that fails the Sync spec's checks (checked at parse time).
export interface AgentCliCase {
  name: string;
  args: string[];
  exit: 2;
  says: string;
}

const url = ['--url', 'http://127.0.0.1:9/acme/config.git'];

export const AGENT_CLI_CASES: AgentCliCase[] = [
  { name: 'no command', args: [], exit: 2, says: 'unknown command (none)' },
  { name: 'unknown command', args: ['apply', '--all'], exit: 2, says: 'unknown command apply' },
  { name: 'sync without --once', args: ['sync', '--all'], exit: 2, says: 'sync needs --once' },
  { name: 'no selection', args: ['sync', '--once'], exit: 2, says: 'choose exactly one of --sync NAME, --all or --url URL' },
  { name: 'two selections', args: ['diff', '--sync', 'web', '--all'], exit: 2, says: 'choose exactly one' },
  { name: '--sync with two slashes', args: ['diff', '--sync', 'a/b/c'], exit: 2, says: '--sync a/b/c: expected NAME or NAMESPACE/NAME' },
  { name: '--sync with an empty name', args: ['diff', '--sync', 'team-a/'], exit: 2, says: 'expected NAME or NAMESPACE/NAME' },
  { name: '--concurrency 0', args: ['diff', '--all', '--concurrency', '0'], exit: 2, says: '--concurrency must be an integer from 1 to 256' },
  { name: '--concurrency not a number', args: ['diff', '--all', '--concurrency', 'many'], exit: 2, says: '--concurrency must be an integer' },
  { name: '--max-repo-size negative', args: ['diff', '--all', '--max-repo-size=-1'], exit: 2, says: '--max-repo-size must be a positive number' },
  { name: '--health-timeout without a unit', args: ['diff', '--all', '--health-timeout', '5'], exit: 2, says: '--health-timeout must be a duration' },
  { name: 'misspelt flag', args: ['diff', '--urll', 'x'], exit: 2, says: "Unknown option '--urll'" },
  { name: 'extra positional argument', args: ['diff', '--all', 'extra'], exit: 2, says: 'unexpected argument extra' },
  { name: '--url without a value', args: ['diff', '--all', '--url'], exit: 2, says: "Option '--url <value>' argument missing" },
  { name: 'branch with ..', args: ['diff', ...url, '--ref', 'a..b'], exit: 2, says: '--ref: not a valid git branch or tag name' },
  { name: 'empty tag', args: ['diff', ...url, '--ref', 'tag:'], exit: 2, says: '(spec.ref.tag)' },
  { name: '--path escaping the repository', args: ['diff', ...url, '--path', 'apps/../../etc'], exit: 2, says: '--path: must stay inside the repository' },
  { name: '--values escaping the repository', args: ['diff', ...url, '--render', 'helm', '--values', '../secrets.yaml'], exit: 2, says: '--values: must stay inside the repository' },
  { name: '--render unknown', args: ['diff', ...url, '--render', 'jsonnet'], exit: 2, says: '--render: Invalid option' },
  { name: 'ssh URL', args: ['diff', '--url', 'git@github.com:acme/config.git'], exit: 2, says: '--url: an http(s) URL (spec.url)' },
  { name: '--timeout over 24h', args: ['diff', ...url, '--timeout', '48h'], exit: 2, says: '--timeout: at most 24h (spec.timeout)' },
  { name: '--name with upper case', args: ['sync', '--once', ...url, '--name', 'Team1'], exit: 2, says: '--name "Team1": not a valid name' },
  { name: '--name with a slash', args: ['sync', '--once', ...url, '--name', 'team/1'], exit: 2, says: 'not a valid name' },
  { name: '--name over 63 characters', args: ['sync', '--once', ...url, '--name', 'a'.repeat(64)], exit: 2, says: 'at most 63 characters' },
  { name: '--name empty', args: ['sync', '--once', ...url, '--name='], exit: 2, says: '--name "": not a valid name' },
  { name: '--state-namespace not a namespace name', args: ['sync', '--once', ...url, '--state-namespace', 'Team_A'], exit: 2, says: '--state-namespace "Team_A": not a namespace name' },
  { name: '--adopt-inventory not a source id', args: ['sync', '--once', ...url, '--adopt-inventory', 'yes'], exit: 2, says: 'expected the 12-hex source id' },
  { name: '--name without --url', args: ['sync', '--once', '--all', '--name', 'web'], exit: 2, says: '--name applies to a source given by flags (--url) only' },
  { name: 'run: --max-concurrent 0', args: ['run', '--max-concurrent', '0'], exit: 2, says: '--max-concurrent must be an integer from 1 to 64' },
  { name: 'run: --log-level unknown', args: ['run', '--log-level', 'loud'], exit: 2, says: '--log-level must be debug, info, warn or error' },
  { name: 'run: --leader-elect not a boolean', args: ['run', '--leader-elect', 'maybe'], exit: 2, says: '--leader-elect must be true or false' },
  { name: 'run: --lease-duration without a unit', args: ['run', '--lease-duration', '5'], exit: 2, says: '--lease-duration must be a duration' },
  { name: 'run: --metrics-addr not HOST:PORT', args: ['run', '--metrics-addr', 'nope'], exit: 2, says: '--metrics-addr must be HOST:PORT' },
  { name: 'run: misspelt flag', args: ['run', '--bogus'], exit: 2, says: "ferry-agent run: Unknown option '--bogus'" },
  { name: 'run: --shutdown-grace in words', args: ['run', '--shutdown-grace', 'forever'], exit: 2, says: '--shutdown-grace must be a duration' },
  { name: 'run: missing webhook secret file', args: ['run', '--webhook-secret-file', '/nonexistent/ferry-secret'], exit: 2, says: 'cannot read --webhook-secret-file' },
];
