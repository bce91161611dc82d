// Malformed image references and what Ferry says about them. One row per case: the count is the
// number of rows. Read by image-reference.bad-input.test.ts.
export interface ReferenceCase {
  name: string;
  input: string;
  code: 'input.invalid-reference' | 'input.invalid-tag' | 'input.invalid-digest';
  /** A fragment the message must contain (what is wrong). */
  says: string | RegExp;
}

const HEX64 = 'a'.repeat(64);

export const REFERENCE_CASES: ReferenceCase[] = [
  { name: 'empty', input: '', code: 'input.invalid-reference', says: 'it is empty' },
  { name: 'space inside', input: 'ghcr.io/acme/web app:1', code: 'input.invalid-reference', says: 'whitespace' },
  { name: 'trailing newline (pasted)', input: 'ghcr.io/acme/web:1\n', code: 'input.invalid-reference', says: 'whitespace' },
  { name: 'tab inside', input: 'nginx:\t1', code: 'input.invalid-reference', says: 'whitespace' },
  { name: 'upper-case repository', input: 'ghcr.io/Acme/Web:1', code: 'input.invalid-reference', says: 'must be lower-case' },
  { name: 'upper-case single name', input: 'NGINX:1', code: 'input.invalid-reference', says: 'must be lower-case' },
  { name: 'double slash', input: 'ghcr.io//web:1', code: 'input.invalid-reference', says: 'invalid path component' },
  { name: 'trailing slash', input: 'ghcr.io/acme/:1', code: 'input.invalid-reference', says: 'invalid path component' },
  { name: 'leading dash component', input: 'acme/-web:1', code: 'input.invalid-reference', says: 'invalid path component' },
  { name: 'path traversal', input: 'ghcr.io/../etc/passwd:1', code: 'input.invalid-reference', says: 'invalid path component' },
  { name: 'only a tag', input: ':1.0', code: 'input.invalid-reference', says: 'the name is empty' },
  { name: 'only a digest', input: `@sha256:${HEX64}`, code: 'input.invalid-reference', says: 'the name is empty' },
  { name: 'registry without repository', input: 'ghcr.io/', code: 'input.invalid-reference', says: /path is empty|invalid path component/ },
  { name: 'bad registry host', input: 'ghcr_io.x:5000/acme/web:1', code: 'input.invalid-reference', says: 'not a valid registry host' },
  { name: 'port that is not a number', input: 'localhost:abc/acme/web:1', code: 'input.invalid-reference', says: 'not a valid registry host' },
  { name: 'name over 255 characters', input: `ghcr.io/${'a'.repeat(300)}:1`, code: 'input.invalid-reference', says: 'longer than 255' },
  { name: 'scheme given', input: 'https://ghcr.io/acme/web:1', code: 'input.invalid-reference', says: /invalid|lower-case|host/ },
  { name: 'NUL byte', input: 'nginx\u0000:1', code: 'input.invalid-reference', says: 'invalid path component' },
  { name: 'non-ASCII name', input: 'ghcr.io/acmé/web:1', code: 'input.invalid-reference', says: 'invalid path component' },
  { name: 'empty tag', input: 'nginx:', code: 'input.invalid-tag', says: 'the tag is empty' },
  { name: 'tag starting with a dot', input: 'nginx:.1', code: 'input.invalid-tag', says: 'must start with' },
  { name: 'tag starting with a dash', input: 'nginx:-rc', code: 'input.invalid-tag', says: 'must start with' },
  { name: 'tag with a plus (semver build)', input: 'nginx:1.0.0+build.1', code: 'input.invalid-tag', says: 'contains "+"' },
  { name: 'tag of 129 characters', input: `nginx:${'1'.repeat(129)}`, code: 'input.invalid-tag', says: 'at most 128' },
  { name: 'template placeholder as tag', input: 'nginx:{{ .Values.tag }}', code: 'input.invalid-reference', says: 'whitespace' },
  { name: 'unrendered variable as tag', input: 'nginx:${TAG}', code: 'input.invalid-tag', says: 'must start with' },
  { name: 'digest without algorithm', input: `nginx@${HEX64}`, code: 'input.invalid-digest', says: 'ALGORITHM:HEX' },
  { name: 'sha256 digest too short', input: `nginx@sha256:${'a'.repeat(63)}`, code: 'input.invalid-digest', says: 'has 64 hex digits, this one has 63' },
  { name: 'sha256 digest upper-case', input: `nginx@sha256:${'A'.repeat(64)}`, code: 'input.invalid-digest', says: 'lower-case' },
  { name: 'sha256 digest with a non-hex character', input: `nginx@sha256:${'g'.repeat(64)}`, code: 'input.invalid-digest', says: 'non-hex' },
  { name: 'empty digest', input: 'nginx@', code: 'input.invalid-digest', says: 'ALGORITHM:HEX' },
  { name: 'two @ signs', input: `nginx@sha256:${HEX64}@sha256:${HEX64}`, code: 'input.invalid-digest', says: /non-hex|hex digits/ },
  { name: 'unknown algorithm, short hex', input: 'nginx@md5:abcdef', code: 'input.invalid-digest', says: 'ALGORITHM:HEX' },
];
