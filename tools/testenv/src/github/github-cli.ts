// `npm run github-standin`: a git server and the GitHub emulator for manual use and demos, until Ctrl-C.
//   --repo owner/name   create (and seed with a README) a repository; repeatable (default acme/config)
//   --token T           accepted personal access token; repeatable (default ferry-dev-token)
//   --port N            emulator port (default: a free one)
//   --git-auth          the git server demands x-access-token:<token> like github.com
import { parseArgs } from 'node:util';
import { startEmulatorWorld } from './emulator-test-kit.js';

const { values } = parseArgs({
  options: {
    repo: { type: 'string', multiple: true },
    token: { type: 'string', multiple: true },
    port: { type: 'string' },
    'git-auth': { type: 'boolean', default: false },
  },
});
const repos = values.repo?.length ? values.repo : ['acme/config'];
const tokens = values.token?.length ? values.token : ['ferry-dev-token'];
const port = values.port ? Number(values.port) : undefined;
if (port !== undefined && !Number.isInteger(port)) {
  console.error(`github-standin: --port must be a number, got "${values.port}"`);
  process.exit(2);
}

const world = await startEmulatorWorld({ tokens, gitAuth: values['git-auth'], ...(port !== undefined ? { port } : {}) });
for (const repo of repos) {
  await world.git.createRepo(repo, { seed: { 'README.md': `# ${repo}\n` } });
}
console.log(`GitHub stand-in ready
  REST:     ${world.github.url}   (Octokit baseUrl; also ${world.github.url}/api/v3)
  GraphQL:  ${world.github.graphqlUrl}
  git:      ${world.git.url}/<owner>/<name>.git${values['git-auth'] ? '  (user x-access-token, password: a token below)' : ''}
  tokens:   ${tokens.join(', ')}
  repos:    ${repos.map((r) => world.git.repoUrl(r)).join('\n            ')}
  bare repos on disk: ${world.git.root}

Try: curl -H "Authorization: token ${tokens[0]}" ${world.github.url}/repos/${repos[0]}
Every exchange is validated against GitHub's OpenAPI description and GraphQL schema.
Press Ctrl-C to stop (the repositories are removed); it lists any exchange that disagreed and exits 1.`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void world.close().then(() => process.exit(0), (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
  });
}
