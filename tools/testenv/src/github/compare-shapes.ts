// Structural comparison of JSON values: same keys, same JSON types. Used to hold the emulator's
// answers against recorded real GitHub answers (@octokit/fixtures).

export interface ShapeDifference {
  path: string;
  problem: 'missing' | 'type';
  expected: string;
  actual: string;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Lists where `actual` lacks a key `expected` has, or holds another JSON type. `null` on either
 * side matches anything (GitHub's nullable fields), extra keys in `actual` are allowed (GitHub
 * has added fields since the recordings), and arrays are compared by their first elements.
 */
export function compareShapes(expected: unknown, actual: unknown, path = '$'): ShapeDifference[] {
  const te = typeOf(expected);
  const ta = typeOf(actual);
  if (te === 'null' || ta === 'null') return [];
  if (te !== ta) return [{ path, problem: 'type', expected: te, actual: ta }];
  if (te === 'array') {
    const [e] = expected as unknown[];
    const [a] = actual as unknown[];
    return e !== undefined && a !== undefined ? compareShapes(e, a, `${path}[0]`) : [];
  }
  if (te !== 'object') return [];
  const out: ShapeDifference[] = [];
  const eo = expected as Record<string, unknown>;
  const ao = actual as Record<string, unknown>;
  for (const key of Object.keys(eo)) {
    if (!(key in ao)) out.push({ path: `${path}.${key}`, problem: 'missing', expected: typeOf(eo[key]), actual: 'absent' });
    else out.push(...compareShapes(eo[key], ao[key], `${path}.${key}`));
  }
  return out;
}
