// Malformed command lines and config repos for `ferry set-image`, `promote`, `status` and
// `rollback`, run as the real bin in a child process (cli.bad-input.test.ts). One row per case.
// `exit` is the documented exit code (2 bad input, 3 not found); `says` must be on stderr, and
// `where` (file:line) too when given. Nothing may change: the working directory's files (set-image)
// and every ref of the git server's repositories (the others).
//
// Placeholders in args: $REPO = URL of the case's repository on the test git server.
export type RepoName = 'good' | 'dup-config' | 'bomb-config' | 'multi-config' | 'nul-config' | 'dotdot-config' | 'empty' | 'vanished-branch';

export interface CliCase {
  name: string;
  args: string[];
  /** The repository $REPO names (default 'good'). */
  repo?: RepoName;
  exit: 2 | 3 | 5;
  says: string;
  where?: string;
}

const HEX = 'e'.repeat(64);
const promote = (...args: string[]) => ['promote', '--repo', '$REPO', '--env', 'dev', '--push', 'direct', ...args];

export const SET_IMAGE_CLI_CASES: CliCase[] = [
  { name: 'no arguments', args: ['set-image'], exit: 2, says: '--image is required' },
  { name: 'misspelt flag', args: ['set-image', '--imagee', 'nginx', 'values.yaml'], exit: 2, says: "Unknown option '--imagee'" },
  { name: 'flag without its value', args: ['set-image', 'values.yaml', '--image'], exit: 2, says: "Option '--image <value>' argument missing" },
  { name: 'empty image', args: ['set-image', '--image=', '--tag', '2', 'values.yaml'], exit: 2, says: 'it is empty' },
  { name: 'image with a space', args: ['set-image', '--image', 'ngi nx', '--tag', '2', 'values.yaml'], exit: 2, says: 'whitespace' },
  { name: 'image with a trailing newline', args: ['set-image', '--image', 'nginx\n', '--tag', '2', 'values.yaml'], exit: 2, says: 'whitespace' },
  { name: 'upper-case image', args: ['set-image', '--image', 'NGINX', '--tag', '2', 'values.yaml'], exit: 2, says: 'must be lower-case' },
  { name: 'tag with a plus', args: ['set-image', '--image', 'nginx', '--tag', '1.0+b1', 'values.yaml'], exit: 2, says: 'invalid tag "1.0+b1"' },
  { name: 'short digest', args: ['set-image', '--image', 'nginx', '--digest', 'sha256:abc', 'values.yaml'], exit: 2, says: 'invalid digest' },
  { name: 'tag given twice', args: ['set-image', '--image', 'nginx:1', '--tag', '2', 'values.yaml'], exit: 2, says: 'given twice' },
  { name: '--new-name with a digest', args: ['set-image', '--image', 'nginx', '--new-name', `x/nginx@sha256:${HEX}`, 'values.yaml'], exit: 2, says: 'without tag or digest' },
  { name: 'no FILE', args: ['set-image', '--image', 'nginx', '--tag', '2'], exit: 2, says: 'no FILE given' },
  { name: 'missing file', args: ['set-image', '--image', 'nginx', '--tag', '2', 'nope.yaml'], exit: 2, says: 'cannot read nope.yaml: no such file' },
  { name: 'a directory', args: ['set-image', '--image', 'nginx', '--tag', '2', 'dir'], exit: 2, says: 'cannot read dir: it is a directory' },
  { name: 'symlink to a file outside the checkout', args: ['set-image', '--image', 'nginx', '--tag', '2', 'link.yaml'], exit: 2, says: 'link.yaml is a symbolic link' },
  { name: 'Latin-1 file (invalid UTF-8)', args: ['set-image', '--image', 'nginx', '--tag', '2', 'latin1.yaml'], exit: 2, says: 'not valid UTF-8 (line 2)', where: 'latin1.yaml:2' },
  { name: 'NUL byte', args: ['set-image', '--image', 'nginx', '--tag', '2', 'nul.yaml'], exit: 2, says: 'control character U+0000', where: 'nul.yaml:2:' },
  { name: 'PNG under a .yaml name', args: ['set-image', '--image', 'nginx', '--tag', '2', 'logo.yaml'], exit: 2, says: 'not valid UTF-8' },
  { name: 'file over 4 MiB', args: ['set-image', '--image', 'nginx', '--tag', '2', 'huge.yaml'], exit: 2, says: 'edits files up to 4 MiB' },
  { name: 'duplicate key', args: ['set-image', '--image', 'nginx', '--tag', '2', 'dup.yaml'], exit: 2, says: 'duplicate key "image"', where: 'dup.yaml:2:1' },
  { name: 'duplicate key after a BOM', args: ['set-image', '--image', 'nginx', '--tag', '2', 'bom-dup.yaml'], exit: 2, says: 'duplicate key "a"', where: 'bom-dup.yaml:3:1' },
  { name: 'tab indentation', args: ['set-image', '--image', 'nginx', '--tag', '2', 'tabs.yaml'], exit: 2, says: 'Tabs are not allowed', where: 'tabs.yaml:2' },
  { name: 'second document broken', args: ['set-image', '--image', 'nginx', '--tag', '2', 'multi-broken.yaml'], exit: 2, says: 'invalid YAML', where: 'multi-broken.yaml:' },
  { name: 'two files, the second broken: neither written', args: ['set-image', '--image', 'nginx', '--tag', '2', 'values.yaml', 'dup.yaml'], exit: 2, says: 'duplicate key', where: 'dup.yaml:2' },
  { name: '--key with an empty step', args: ['set-image', '--image', 'nginx', '--tag', '2', '--key', 'image..tag', 'values.yaml'], exit: 2, says: 'has an empty step' },
  { name: '--key naming a mapping', args: ['set-image', '--image', 'nginx', '--tag', '2', '--key', 'image', 'values.yaml'], exit: 2, says: 'is a mapping', where: 'values.yaml:2' },
  { name: '--json on bad input', args: ['set-image', '--json', '--image', 'nginx', '--tag', '2', 'dup.yaml'], exit: 2, says: 'duplicate key' },
  { name: 'image not in the file', args: ['set-image', '--image', 'redis', '--tag', '7', 'values.yaml'], exit: 3, says: 'image redis not found in values.yaml; nothing written' },
  { name: 'unknown command', args: ['set-imag', '--image', 'nginx'], exit: 2, says: 'unknown command "set-imag"' },
];

export const PROMOTE_CLI_CASES: CliCase[] = [
  { name: 'no flags', args: ['promote'], exit: 2, says: 'give --app APP' },
  { name: '--push merge', args: promote('--app', 'web', '--image', 'ghcr.io/acme/web:2', '--push', 'merge'), exit: 2, says: '--push must be "pr" or "direct"' },
  { name: '--timeout without a wait', args: promote('--app', 'web', '--image', 'ghcr.io/acme/web:2', '--timeout', '5m'), exit: 2, says: '--timeout only applies' },
  { name: '--timeout in words', args: promote('--app', 'web', '--image', 'ghcr.io/acme/web:2', '--wait-merged', '--timeout', '5 minutes'), exit: 2, says: 'is not a duration' },
  { name: '--clusters with a space in a name', args: promote('--app', 'web', '--image', 'ghcr.io/acme/web:2', '--wait-live', '--clusters', 'eu west'), exit: 2, says: 'comma-separated list' },
  { name: '--wait-live with --dry-run', args: promote('--app', 'web', '--image', 'ghcr.io/acme/web:2', '--wait-live', '--dry-run'), exit: 2, says: 'cannot be combined with --dry-run' },
  { name: '--image without tag or digest', args: promote('--app', 'web', '--image', 'ghcr.io/acme/web'), exit: 2, says: 'ferry promote: --image ghcr.io/acme/web has no tag or digest\n' },
  { name: 'a usage error with --json', args: promote('--json', '--app', 'web', '--image', 'ghcr.io/acme/web:2', '--push', 'merge'), exit: 2, says: 'ferry promote: --push must be "pr" or "direct", not "merge"' },
  { name: 'upper-case --image', args: promote('--app', 'web', '--image', 'ghcr.io/ACME/web:2'), exit: 2, says: 'must be lower-case' },
  { name: 'invalid --tag', args: promote('--app', 'web', '--image', 'ghcr.io/acme/web', '--tag', '1.0+rc1'), exit: 2, says: 'invalid tag in image reference' },
  { name: 'invalid --digest', args: promote('--app', 'web', '--image', 'ghcr.io/acme/web', '--digest', `sha256:${HEX.toUpperCase()}`), exit: 2, says: 'lower-case hex' },
  { name: '--from-env with --image', args: promote('--app', 'web', '--from-env', 'dev', '--image', 'ghcr.io/acme/web:2'), exit: 2, says: '--from-env takes the version' },
  { name: '--key before any --file', args: promote('--key', 'image', '--file', 'a.yaml', '--image', 'ghcr.io/acme/web:2'), exit: 2, says: '--key must follow the --file' },
  { name: 'two --key for one --file', args: promote('--file', 'a.yaml', '--key', 'a', '--key', 'b', '--image', 'ghcr.io/acme/web:2'), exit: 2, says: 'has two --key flags' },
  { name: 'positional argument', args: [...promote('--app', 'web', '--image', 'ghcr.io/acme/web:2'), 'extra'], exit: 2, says: "Unexpected argument 'extra'" },
  { name: '--repo that is neither OWNER/NAME nor a URL', args: ['promote', '--repo', 'not a repo', '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:2'], exit: 2, says: 'neither OWNER/NAME nor a URL' },
  { name: '--repo carrying credentials', args: ['promote', '--repo', 'https://bob:hunter2secret@git.example.com/a/b.git', '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:2'], exit: 2, says: 'must not carry credentials' },
  { name: '--repo URL naming no repository', args: ['promote', '--repo', 'http://127.0.0.1:9/', '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:2'], exit: 2, says: 'names no repository' },
  { name: '--repo one-segment URL with --push pr and no --github-repo', args: ['promote', '--repo', 'http://127.0.0.1:9/config.git', '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:2', '--push', 'pr'], exit: 2, says: 'names no GitHub repository' },
  { name: '--github-repo that is not OWNER/NAME', args: ['promote', '--repo', 'http://127.0.0.1:9/config.git', '--github-repo', 'config', '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:2'], exit: 2, says: 'is not OWNER/NAME' },
  { name: '--github-repo with an OWNER/NAME --repo', args: ['promote', '--repo', 'acme/config', '--github-repo', 'acme/other', '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:2'], exit: 2, says: '--github-repo applies to a git URL' },
  // The config repository is the bad input.
  { name: 'ferry.yaml with a duplicate key', repo: 'dup-config', args: promote('--app', 'web', '--image', 'ghcr.io/acme/web:2'), exit: 2, says: 'duplicate key "image"', where: 'ferry.yaml:7:5' },
  { name: 'ferry.yaml alias bomb', repo: 'bomb-config', args: promote('--app', 'web', '--image', 'ghcr.io/acme/web:2'), exit: 2, says: 'too many alias expansions' },
  { name: 'ferry.yaml with two documents', repo: 'multi-config', args: promote('--app', 'web', '--image', 'ghcr.io/acme/web:2'), exit: 2, says: 'more than one YAML document', where: 'ferry.yaml:' },
  { name: 'ferry.yaml with a NUL byte', repo: 'nul-config', args: promote('--app', 'web', '--image', 'ghcr.io/acme/web:2'), exit: 2, says: 'control character U+0000', where: 'ferry.yaml:' },
  { name: 'ferry.yaml file entry with ..', repo: 'dotdot-config', args: promote('--app', 'web', '--image', 'ghcr.io/acme/web:2'), exit: 2, says: 'is not a path inside the repository' },
  { name: '--file with ..', args: promote('--file', '../../etc/passwd', '--image', 'ghcr.io/acme/web:2'), exit: 2, says: 'is not a path inside the repository' },
  { name: '--file that is a symlink out of the repo', args: promote('--file', 'envs/dev/link.yaml', '--image', 'ghcr.io/acme/web:2'), exit: 2, says: 'envs/dev/link.yaml is a symbolic link in the repository' },
  { name: '--file that is a PNG', args: promote('--file', 'envs/dev/logo.yaml', '--image', 'ghcr.io/acme/web:2'), exit: 2, says: 'not valid UTF-8', where: 'envs/dev/logo.yaml' },
  { name: '--file in Latin-1', args: promote('--file', 'envs/dev/latin1.yaml', '--image', 'ghcr.io/acme/web:2'), exit: 2, says: 'not valid UTF-8', where: 'envs/dev/latin1.yaml:2' },
  { name: '--file over 4 MiB', args: promote('--file', 'envs/dev/huge.yaml', '--image', 'ghcr.io/acme/web:2'), exit: 2, says: 'edits files up to 4 MiB' },
  { name: '--file with a duplicate key', args: promote('--file', 'envs/dev/dup.yaml', '--image', 'ghcr.io/acme/web:2'), exit: 2, says: 'duplicate key "image"', where: 'envs/dev/dup.yaml:2' },
  { name: '--file indented with tabs', args: promote('--file', 'envs/dev/tabs.yaml', '--image', 'ghcr.io/acme/web:2'), exit: 2, says: 'Tabs are not allowed', where: 'envs/dev/tabs.yaml:2' },
  { name: '--env not in ferry.yaml', args: ['promote', '--repo', '$REPO', '--env', 'qa', '--push', 'direct', '--app', 'web', '--image', 'ghcr.io/acme/web:2'], exit: 3, says: 'environment "qa" is not declared' },
  { name: '--app not in ferry.yaml', args: promote('--app', 'api', '--image', 'ghcr.io/acme/api:2'), exit: 3, says: 'app "api" is not declared' },
  { name: '--image of another app', args: promote('--app', 'web', '--image', 'ghcr.io/acme/web-worker:2'), exit: 2, says: 'is not the image of app "web"' },
  { name: 'environment branch vanished', repo: 'vanished-branch', args: ['promote', '--repo', '$REPO', '--env', 'prod', '--push', 'direct', '--app', 'web', '--image', 'ghcr.io/acme/web:2'], exit: 3, says: 'branch release of environment prod does not exist' },
  { name: 'empty repository', repo: 'empty', args: promote('--app', 'web', '--image', 'ghcr.io/acme/web:2'), exit: 3, says: 'the repository is empty' },
];

export const STATUS_ROLLBACK_CLI_CASES: CliCase[] = [
  { name: 'status without --env', args: ['status', '--repo', '$REPO'], exit: 2, says: 'ferry status: --env is required\n' },
  { name: 'status --forge gitlab with --json', args: ['status', '--repo', '$REPO', '--env', 'dev', '--forge', 'gitlab', '--json'], exit: 2, says: 'ferry status: --forge must be github or gitea, not "gitlab"' },
  { name: 'status with a positional argument', args: ['status', '--repo', '$REPO', '--env', 'dev', 'web'], exit: 2, says: 'unexpected argument web' },
  { name: 'status with a misspelt flag', args: ['status', '--repo', '$REPO', '--environment', 'dev'], exit: 2, says: "Unknown option '--environment'" },
  { name: 'status of an undeclared environment', args: ['status', '--repo', '$REPO', '--env', 'qa'], exit: 3, says: 'qa' },
  { name: 'status with a broken ferry.yaml', repo: 'dup-config', args: ['status', '--repo', '$REPO', '--env', 'dev'], exit: 2, says: 'duplicate key "image"', where: 'ferry.yaml:7:5' },
  { name: 'status of an empty repository', repo: 'empty', args: ['status', '--repo', '$REPO', '--env', 'dev'], exit: 3, says: 'the repository is empty' },
  { name: 'rollback without --app', args: ['rollback', '--repo', '$REPO', '--env', 'dev'], exit: 2, says: '--app is required' },
  { name: 'rollback --push sideways', args: ['rollback', '--repo', '$REPO', '--env', 'dev', '--app', 'web', '--push', 'sideways'], exit: 2, says: '--push must be "pr" or "direct"' },
  { name: 'rollback --release with --to', args: ['rollback', '--repo', '$REPO', '--env', 'dev', '--app', 'web', '--release', '--to', '1.0.0'], exit: 2, says: '--release does not take --to' },
  { name: 'rollback --timeout without a wait', args: ['rollback', '--repo', '$REPO', '--env', 'dev', '--app', 'web', '--timeout', '5m'], exit: 2, says: '--timeout only applies' },
  { name: 'rollback --timeout in words', args: ['rollback', '--repo', '$REPO', '--env', 'dev', '--app', 'web', '--wait-merged', '--timeout', 'soon'], exit: 2, says: 'ferry rollback: --timeout "soon" is not a duration' },
  { name: 'rollback --clusters with a space in a name', args: ['rollback', '--repo', '$REPO', '--env', 'dev', '--app', 'web', '--wait-live', '--clusters', 'eu west'], exit: 2, says: 'ferry rollback: --clusters "eu west" must be a comma-separated list of cluster names' },
  { name: 'rollback --push sideways with --json', args: ['rollback', '--repo', '$REPO', '--env', 'dev', '--app', 'web', '--push', 'sideways', '--json'], exit: 2, says: 'ferry rollback: --push must be "pr" or "direct", not "sideways"' },
  { name: 'rollback with a broken ferry.yaml', repo: 'dup-config', args: ['rollback', '--repo', '$REPO', '--env', 'dev', '--app', 'web', '--push', 'direct'], exit: 2, says: 'duplicate key "image"', where: 'ferry.yaml:7:5' },
  { name: 'rollback of an undeclared app', args: ['rollback', '--repo', '$REPO', '--env', 'dev', '--app', 'api', '--push', 'direct'], exit: 3, says: 'api' },
  { name: 'rollback --release of an undeclared app', args: ['rollback', '--repo', '$REPO', '--env', 'dev', '--app', 'api', '--release', '--push', 'direct'], exit: 3, says: 'api' },
];
