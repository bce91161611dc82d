/**
 * A unified diff of one file's edit, for `--dry-run`. Promotion edits replace scalars in place, so
 * line counts almost always match and a line-by-line comparison gives exact hunks; otherwise the
 * common prefix and suffix are trimmed and the middle shown as one hunk.
 */
export function formatUnifiedDiff(path: string, before: string, after: string, context = 3): string {
  if (before === after) return '';
  const a = before.split('\n');
  const b = after.split('\n');
  const header = `--- a/${path}\n+++ b/${path}\n`;
  if (a.length === b.length) {
    const changed = a.map((line, i) => line !== b[i]);
    const hunks: string[] = [];
    let i = 0;
    while (i < a.length) {
      if (!changed[i]) { i++; continue; }
      let end = i;
      // Merge changes whose contexts touch into one hunk.
      for (let j = i; j < a.length && j <= end + 2 * context; j++) if (changed[j]) end = j;
      const start = Math.max(0, i - context);
      const stop = Math.min(a.length - 1, end + context);
      const lines: string[] = [];
      for (let k = start; k <= stop; k++) {
        if (changed[k]) lines.push(`-${a[k]}`, `+${b[k]}`);
        else lines.push(` ${a[k]}`);
      }
      const count = stop - start + 1;
      hunks.push(`@@ -${start + 1},${count} +${start + 1},${count} @@\n${lines.join('\n')}\n`);
      i = end + 1;
    }
    return header + hunks.join('');
  }
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const start = Math.max(0, prefix - context);
  const aEnd = Math.min(a.length, a.length - suffix + context);
  const bEnd = Math.min(b.length, b.length - suffix + context);
  const lines = [
    ...a.slice(start, prefix).map((l) => ` ${l}`),
    ...a.slice(prefix, a.length - suffix).map((l) => `-${l}`),
    ...b.slice(prefix, b.length - suffix).map((l) => `+${l}`),
    ...a.slice(a.length - suffix, aEnd).map((l) => ` ${l}`),
  ];
  return `${header}@@ -${start + 1},${aEnd - start} +${start + 1},${bEnd - start} @@\n${lines.join('\n')}\n`;
}
