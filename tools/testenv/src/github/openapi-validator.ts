// Validates HTTP exchanges against GitHub's official OpenAPI description (@octokit/openapi).
// Only `generated/api.github.com.json` is loaded (its package index pulls in ~450 MB). Schemas are
// compiled lazily, per operation and status, because compiling the whole document takes minutes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { compilePathTemplate, matchPathTemplate, type PathTemplate } from './path-template.js';

// ajv-formats is CommonJS; under nodenext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export interface HttpExchange {
  method: string;
  /** Path without the API prefix and without the query, e.g. /repos/o/r/pulls. */
  path: string;
  /** Raw query string without "?" (parameters are validated when given). */
  query?: string;
  requestBody?: unknown;
  status: number;
  responseBody?: unknown;
}

export interface Violation {
  /** "METHOD /template" or "METHOD /path" when no operation matched. */
  operation: string;
  where: 'operation' | 'request' | 'response';
  status?: number;
  message: string;
}

export interface OpenApiValidator {
  validateExchange(exchange: HttpExchange): Violation[];
}

type Json = Record<string, unknown>;
interface Operation { template: string; method: string; op: Json; pathItem: Json; params: Record<string, string> }

// Statuses GitHub sends on every endpoint without the description listing them.
const ALWAYS_ALLOWED_STATUSES = new Set([401, 403, 429, 500, 502, 503, 504]);

let loaded: { doc: Json; templates: PathTemplate<Record<string, Json>>[] } | null = null;

function loadDocument(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as Json;
  rewriteNullable(doc);
  const paths = doc['paths'] as Record<string, Record<string, Json>>;
  const templates = Object.entries(paths).map(([t, item]) => compilePathTemplate(t, item));
  loaded = { doc, templates };
  return loaded;
}

// OpenAPI 3.0 `nullable: true` is not JSON Schema; turn it into a `null` alternative so ajv
// understands it also where it sits beside `$ref`/`allOf` (which ajv's own nullable refuses).
function rewriteNullable(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteNullable(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const obj = node as Json;
  for (const value of Object.values(obj)) rewriteNullable(value);
  if (obj['nullable'] !== true) return;
  delete obj['nullable'];
  if (typeof obj['type'] === 'string' && !obj['allOf'] && !obj['anyOf'] && !obj['oneOf'] && !obj['$ref']) {
    obj['type'] = [obj['type'], 'null'];
    if (Array.isArray(obj['enum'])) obj['enum'] = [...(obj['enum'] as unknown[]), null];
    return;
  }
  const inner: Json = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k !== 'description' && k !== 'title') {
      inner[k] = v;
      delete obj[k];
    }
  }
  obj['anyOf'] = [{ type: 'null' }, inner];
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function resolveLocalRef(doc: Json, value: Json): { node: Json; pointer: string | null } {
  const ref = value['$ref'];
  if (typeof ref !== 'string') return { node: value, pointer: null };
  let node: unknown = doc;
  for (const seg of ref.replace(/^#\//, '').split('/')) {
    node = (node as Json)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return { node: node as Json, pointer: ref };
}

let shared: OpenApiValidator | null = null;

/**
 * The validator; the document is parsed and each operation's schemas compiled once per process
 * (compiling the pull request schema alone takes about half a second), then shared.
 */
export function createOpenApiValidator(): OpenApiValidator {
  shared ??= buildValidator();
  return shared;
}

function buildValidator(): OpenApiValidator {
  const { doc, templates } = loadDocument();
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
  addFormats(ajv);
  ajv.addSchema(doc, 'github.json');
  const cache = new Map<string, ValidateFunction>();

  const compileAt = (pointer: string): ValidateFunction => {
    let fn = cache.get(pointer);
    if (!fn) {
      fn = ajv.compile({ $ref: `github.json${pointer}` });
      cache.set(pointer, fn);
    }
    return fn;
  };

  const findOperation = (method: string, path: string): Operation | null => {
    const match = matchPathTemplate(templates, path);
    const op = match?.value[method.toLowerCase()];
    return match && op ? { template: match.template, method: method.toLowerCase(), op, pathItem: match.value, params: match.params } : null;
  };

  const check = (fn: ValidateFunction, data: unknown, base: Omit<Violation, 'message'>): Violation[] => {
    if (fn(data)) return [];
    return (fn.errors ?? []).slice(0, 10).map((e) => ({
      ...base,
      message: `${e.instancePath || '(root)'} ${e.message ?? 'invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
    }));
  };

  // Path and query parameters arrive as strings; coerce them to the schema's type first, as
  // GitHub's own parser does, then validate. Unknown query parameters are reported too.
  const checkParameters = (found: Operation, opName: string, opPointer: string, query: string | undefined): Violation[] => {
    const out: Violation[] = [];
    const declared = [
      ...((found.pathItem['parameters'] as Json[] | undefined) ?? []).map((p, i) => ({ p, at: `#/paths/${escapePointer(found.template)}/parameters/${i}` })),
      ...((found.op['parameters'] as Json[] | undefined) ?? []).map((p, i) => ({ p, at: `${opPointer}/parameters/${i}` })),
    ].map(({ p, at }) => {
      const r = resolveLocalRef(doc, p);
      return { param: r.node, pointer: `${r.pointer ?? at}/schema` };
    });
    const values = new URLSearchParams(query ?? '');
    const known = new Set<string>();
    for (const { param, pointer } of declared) {
      const name = String(param['name']);
      const where = param['in'];
      if (where === 'query') known.add(name);
      const raw = where === 'path' ? found.params[name] : where === 'query' ? values.get(name) : null;
      if (raw === null || raw === undefined) continue;
      const schema = (param['schema'] as Json | undefined) ?? {};
      const type = schema['type'];
      const value = type === 'integer' || type === 'number' ? (/^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw)
        : type === 'boolean' ? (raw === 'true' ? true : raw === 'false' ? false : raw)
          : type === 'array' ? raw.split(',') : raw;
      for (const v of check(compileAt(pointer), value, { operation: opName, where: 'request' })) {
        out.push({ ...v, message: `${where} parameter ${name}: ${v.message}` });
      }
    }
    for (const name of values.keys()) {
      if (!known.has(name)) out.push({ operation: opName, where: 'request', message: `query parameter ${name} is not defined for this operation` });
    }
    return out;
  };

  return {
    validateExchange(ex) {
      const found = findOperation(ex.method, ex.path);
      if (!found) {
        return [{ operation: `${ex.method} ${ex.path}`, where: 'operation', message: 'no operation in GitHub\'s OpenAPI description matches this method and path' }];
      }
      const opName = `${ex.method.toUpperCase()} ${found.template}`;
      const opPointer = `#/paths/${escapePointer(found.template)}/${found.method}`;
      const violations: Violation[] = [];
      violations.push(...checkParameters(found, opName, opPointer, ex.query));

      const requestBody = found.op['requestBody'] as Json | undefined;
      if (requestBody && ex.requestBody !== undefined) {
        const rb = resolveLocalRef(doc, requestBody);
        const media = (rb.node['content'] as Record<string, Json> | undefined)?.['application/json'];
        if (media?.['schema']) {
          const pointer = rb.pointer ? `${rb.pointer}/content/application~1json/schema` : `${opPointer}/requestBody/content/application~1json/schema`;
          violations.push(...check(compileAt(pointer), ex.requestBody, { operation: opName, where: 'request' }));
        }
      } else if (!requestBody && ex.requestBody !== undefined && ex.requestBody !== null && ex.requestBody !== '') {
        violations.push({ operation: opName, where: 'request', message: 'operation takes no request body' });
      }

      const responses = found.op['responses'] as Record<string, Json>;
      const documented = responses[String(ex.status)];
      if (!documented) {
        if (!ALWAYS_ALLOWED_STATUSES.has(ex.status)) {
          violations.push({ operation: opName, where: 'response', status: ex.status, message: `status ${ex.status} is not documented (documented: ${Object.keys(responses).join(', ')})` });
        }
        return violations;
      }
      const resp = resolveLocalRef(doc, documented);
      const content = resp.node['content'] as Record<string, Json> | undefined;
      if (!content) {
        if (ex.responseBody !== undefined && ex.responseBody !== '') {
          violations.push({ operation: opName, where: 'response', status: ex.status, message: 'documented without a body, but a body was sent' });
        }
        return violations;
      }
      const mediaType = content['application/json'] ? 'application/json' : Object.keys(content)[0];
      if (!mediaType || !content[mediaType]?.['schema']) return violations;
      const base = resp.pointer ?? `${opPointer}/responses/${ex.status}`;
      const pointer = `${base}/content/${escapePointer(mediaType)}/schema`;
      violations.push(...check(compileAt(pointer), ex.responseBody, { operation: opName, where: 'response', status: ex.status }));
      return violations;
    },
  };
}
