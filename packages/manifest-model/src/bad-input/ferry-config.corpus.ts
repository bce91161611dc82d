// Malformed ferry.yaml files and what Ferry says. One row per case. Read by
// ferry-config.bad-input.test.ts. `line` is where the error must point (1-based).
export interface ConfigCase {
  name: string;
  text: string;
  says: string | RegExp;
  line?: number;
}

const OK_ENVS = 'environments:\n  dev: { branch: main }\n';
const app = (body: string) => `${OK_ENVS}apps:\n  web:\n    image: ghcr.io/acme/web\n${body}`;
const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
  .concat('bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)).join('\n');

export const CONFIG_CASES: ConfigCase[] = [
  { name: 'alias bomb (billion laughs)', text: `${laughs}\n${OK_ENVS}`, says: 'too many alias expansions' },
  { name: 'duplicate top-level key', text: `${OK_ENVS}environments: {}\n`, says: 'duplicate key "environments"', line: 3 },
  { name: 'duplicate nested key', text: app('    environments:\n      dev: { files: [a.yaml] }\n    image: ghcr.io/acme/other\n'), says: 'duplicate key "image"', line: 8 },
  { name: 'duplicate key written once quoted', text: 'environments: {}\n"environments": {}\n', says: 'duplicate key "environments"', line: 2 },
  { name: 'two documents', text: `${OK_ENVS}---\napps: {}\n`, says: 'more than one YAML document', line: 3 },
  { name: 'tab indentation', text: 'environments:\n\tdev: {}\n', says: 'Tabs are not allowed', line: 2 },
  { name: 'NUL byte', text: `${OK_ENVS}\u0000\n`, says: 'control character U+0000', line: 3 },
  { name: 'lossily decoded bytes (U+FFFD)', text: `${OK_ENVS}# caf\uFFFD\n`, says: 'not valid UTF-8', line: 3 },
  { name: 'binary content', text: '\u0089PNG\r\n\u001a\n\u0000\u0000', says: 'control character', line: 2 },
  { name: 'a list, not a mapping', text: '- dev\n- prod\n', says: 'expected object, received array', line: 1 },
  { name: 'a scalar, not a mapping', text: 'hello\n', says: 'expected object, received string', line: 1 },
  { name: 'empty file', text: '', says: 'environments: required field is missing' },
  { name: 'only a comment', text: '# nothing here\n', says: 'environments: required field is missing' },
  { name: 'unknown version', text: `version: 2\n${OK_ENVS}`, says: 'version', line: 1 },
  { name: 'unknown top-level field (typo)', text: `${OK_ENVS}app: {}\n`, says: 'unknown field "app"', line: 3 },
  { name: 'environment name with upper case', text: 'environments:\n  Prod: {}\n', says: 'invalid name "Prod": use lowercase', line: 2 },
  { name: 'environment name with a slash', text: 'environments:\n  prod/eu: {}\n', says: 'lowercase', line: 2 },
  { name: 'push mode misspelt', text: 'environments:\n  dev: { push: direkt }\n', says: 'push', line: 2 },
  { name: 'autoMerge as a string', text: 'environments:\n  dev: { autoMerge: "yes" }\n', says: 'autoMerge', line: 2 },
  { name: 'promotesFrom unknown environment', text: 'environments:\n  prod: { promotesFrom: staging }\n', says: 'unknown environment "staging"', line: 2 },
  { name: 'promotesFrom cycle', text: 'environments:\n  a: { promotesFrom: b }\n  b: { promotesFrom: a }\n', says: 'cycle', line: 2 },
  { name: 'app without image', text: `${OK_ENVS}apps:\n  web:\n    environments: { dev: { files: [a.yaml] } }\n`, says: 'image: required field is missing', line: 4 },
  { name: 'app in an undeclared environment', text: app('    environments:\n      prod: { files: [a.yaml] }\n'), says: 'unknown environment "prod"', line: 7 },
  { name: 'app environment without files', text: app('    environments:\n      dev: { files: [] }\n'), says: 'files', line: 7 },
  { name: 'file given as a number', text: app('    environments:\n      dev: { files: [42] }\n'), says: 'files', line: 7 },
  { name: 'invalid semver range', text: app('    policy: { semver: ">=1.x.y <" }\n    environments:\n      dev: { files: [a.yaml] }\n'), says: 'not a valid semver range', line: 6 },
  { name: 'invalid allow regular expression', text: app('    policy: { allow: ["(unclosed"] }\n    environments:\n      dev: { files: [a.yaml] }\n'), says: 'not a valid regular expression', line: 6 },
  { name: 'hold without a reason', text: app('    environments:\n      dev: { files: [a.yaml], hold: { by: bob } }\n'), says: 'hold', line: 7 },
  { name: 'unquoted colon in a value', text: 'environments:\n  dev: { branch: release: 1 }\n', says: 'invalid YAML', line: 2 },
  { name: 'unclosed flow mapping', text: 'environments:\n  dev: { branch: main\n', says: 'invalid YAML', line: 3 },
  { name: 'template placeholder left in', text: 'environments:\n  {{ .Env }}: {}\n', says: 'unrendered {{ template }}', line: 2 },
];
