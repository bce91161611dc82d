import { FerryError } from '@ferry/manifest-model';
import { describeVersion, openGitHistory, openGitWorkspace, readEnvironmentStatus, type EnvironmentStatus } from '@ferry/promoter';
import { commandErrorLine, ExitCode, UsageError, type Command } from '../command.js';
import { parseFlags, stringFlag, booleanFlag } from '../parse-flags.js';
import { connectRepo, parseForgeFlag, resolveTarget, statusReaderFor } from './connect-repo.js';
import { exitCodeOfError } from './promote.js';

const HELP = `Usage: ferry status --repo OWNER/NAME|GIT-URL --env ENV [--app APP] [--forge github|gitea] [--api-url URL] [--github-repo OWNER/NAME] [--github-api-url URL] [--json]

What git holds for each app in an environment (from ferry.yaml and the files it names), the last
promotion and any hold, and which revision each reporting cluster runs, healthy or not (from the
commit statuses the agents post: ferry/<cluster>/<namespace>/<sync>).

  --repo R            OWNER/NAME on GitHub, or any smart-HTTP git URL
  --env ENV           environment from ferry.yaml
  --app APP           only this app
  --github-repo O/N   the GitHub repository of a git URL --repo whose path does not end in OWNER/NAME
  --github-api-url U  GitHub Enterprise API, e.g. https://ghe.example.com/api/v3
  --forge F, --api-url U  as for ferry promote (Gitea: the statuses the agents post there)
  --json              print the result as JSON on stdout

Auth as for ferry promote. Without GitHub credentials only the git side is shown.
Exit codes: 0 shown, 2 bad input, 3 environment/app/branch not found, 5 git or GitHub failure.
`;

export const statusCommand: Command = {
  name: 'status',
  summary: 'what version git holds per app in an environment, and what each cluster runs',
  help: HELP,
  async run(args, io) {
    const json = args.includes('--json');
    try {
      const flags = parseFlags('status', args, { repo: { type: 'string' }, env: { type: 'string' }, app: { type: 'string' }, 'github-api-url': { type: 'string' }, 'github-repo': { type: 'string' }, forge: { type: 'string' }, 'api-url': { type: 'string' }, json: { type: 'boolean' } });
      if (flags.positionals.length) throw new UsageError(`unexpected argument ${flags.positionals[0]}`);
      const repoFlag = stringFlag(flags, 'repo');
      const env = stringFlag(flags, 'env');
      if (!repoFlag || !env) throw new UsageError(`--${repoFlag ? 'env' : 'repo'} is required`, 'run "ferry status --help" for usage');
      const repo = await connectRepo(await resolveTarget({ repo: repoFlag, forge: parseForgeFlag(stringFlag(flags, 'forge')), apiUrl: stringFlag(flags, 'api-url'), githubApiUrl: stringFlag(flags, 'github-api-url'), githubRepo: stringFlag(flags, 'github-repo') }, io.env, () => {}), io.env, () => {});
      const workspace = await openGitWorkspace({ url: repo.gitUrl, auth: repo.gitAuth });
      const history = await openGitHistory({ url: repo.gitUrl, auth: repo.gitAuth });
      try {
        const defaultBranch = await workspace.fetchDefaultBranch();
        if (!defaultBranch) throw new FerryError('target.not-found', 'the repository is empty (no default branch)', { hint: 'check --repo' });
        const status = await readEnvironmentStatus({
          history, env, app: stringFlag(flags, 'app'), defaultBranch: defaultBranch.branch,
          statuses: statusReaderFor(repo),
        });
        io.stdout.write(booleanFlag(flags, 'json') ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status, repo.apiToken !== undefined));
        return ExitCode.Ok;
      } finally {
        await Promise.all([workspace.close(), history.close()]);
      }
    } catch (err) {
      if (!(err instanceof FerryError)) throw err;
      const code = exitCodeOfError(err);
      if (json) io.stdout.write(`${JSON.stringify({ error: { code: err.code, message: err.message, hint: err.hint }, exitCode: code }, null, 2)}\n`);
      io.stderr.write(commandErrorLine('status', err));
      return code;
    }
  },
};

export function formatStatus(s: EnvironmentStatus, withClusters: boolean): string {
  const lines = [`environment ${s.env}: branch ${s.branch} at ${s.head.slice(0, 12)}`, ''];
  const table = (rows: string[][]) => {
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) lines.push(`  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd());
  };
  table([['APP', 'VERSION IN GIT', 'PROMOTED IN', 'HOLD'], ...s.apps.map((a) => [
    a.app, a.versions.map(describeVersion).join(', ') || '(not found)',
    a.promoted ? `${a.promoted.commit.slice(0, 12)}${a.promoted.rollbackFrom ? ` (rollback from ${a.promoted.rollbackFrom})` : ''}` : '-',
    a.hold ? `${a.hold.reason}${a.hold.by ? ` (by ${a.hold.by})` : ''}` : '-',
  ])]);
  lines.push('');
  if (!withClusters) lines.push('clusters: no GitHub credentials, commit statuses not read');
  else if (!s.clusters.length) lines.push(`clusters: none reported on the last commits of ${s.branch}`);
  else {
    table([['CLUSTER', 'SYNC', 'REVISION', 'STATE', 'RUNS', 'AGENT SAYS'], ...s.clusters.map((c) => [
      c.cluster, c.sync, `${c.commit.slice(0, 12)}${c.behind ? ` (${c.behind} behind)` : ' (head)'}`,
      c.state === 'success' ? 'healthy' : c.state === 'pending' ? 'applying' : c.state === 'failure' ? 'FAILED' : 'error',
      Object.entries(c.apps).map(([app, v]) => `${app} ${v}`).join(', '), c.description,
    ])]);
  }
  return `${lines.join('\n')}\n`;
}
