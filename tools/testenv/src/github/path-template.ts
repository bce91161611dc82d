// Matches concrete request paths against OpenAPI-style templates ("/repos/{owner}/{repo}").
// A parameter matches one segment; when no template matches that way, the last parameter may
// swallow the rest of the path (or be empty), because GitHub accepts `git/ref/heads/main` and
// `contents/dir/file.yaml` with and without the slashes percent-encoded, and `contents/` for the root.

export interface PathTemplate<T> {
  template: string;
  value: T;
  literalCount: number;
  strict: RegExp;
  greedy: RegExp | null;
  names: string[];
}

export interface PathMatch<T> {
  value: T;
  template: string;
  params: Record<string, string>;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
}

export function compilePathTemplate<T>(template: string, value: T): PathTemplate<T> {
  const names: string[] = [];
  const parts = template.split(/(\{[^}]+\})/);
  const build = (greedyLast: boolean): string => {
    let lastParam = -1;
    parts.forEach((p, i) => { if (p.startsWith('{')) lastParam = i; });
    return parts.map((p, i) => {
      if (!p.startsWith('{')) return escapeRegExp(p);
      return greedyLast && i === lastParam ? '(.*)' : '([^/]+)';
    }).join('');
  };
  for (const p of parts) if (p.startsWith('{')) names.push(p.slice(1, -1));
  const literalCount = template.split('/').filter((s) => s && !s.startsWith('{')).length;
  return {
    template,
    value,
    literalCount,
    names,
    strict: new RegExp(`^${build(false)}/?$`),
    greedy: names.length > 0 ? new RegExp(`^${build(true)}/?$`) : null,
  };
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Finds the template that fits `path` best: more literal segments first, strict before greedy. */
export function matchPathTemplate<T>(templates: readonly PathTemplate<T>[], path: string): PathMatch<T> | null {
  for (const mode of ['strict', 'greedy'] as const) {
    let best: { t: PathTemplate<T>; m: RegExpExecArray } | null = null;
    for (const t of templates) {
      const re = mode === 'strict' ? t.strict : t.greedy;
      const m = re?.exec(path);
      if (m && (!best || t.literalCount > best.t.literalCount)) best = { t, m };
    }
    if (best) {
      const params: Record<string, string> = {};
      best.t.names.forEach((n, i) => { params[n] = decodeParam(best.m[i + 1] ?? ''); });
      return { value: best.t.value, template: best.t.template, params };
    }
  }
  return null;
}
