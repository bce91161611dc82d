// Small routing kit for the emulator: typed handlers, GitHub-shaped errors.
import { compilePathTemplate, matchPathTemplate, type PathTemplate } from './path-template.js';
import { errorBody } from './payloads.js';
import type { Actor } from './emulator-state.js';

export interface RouteRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  actor: Actor;
}

export interface RouteResponse {
  status: number;
  body?: unknown;
  /** Raw bytes instead of JSON (e.g. contents with the raw media type). */
  raw?: Buffer;
  headers?: Record<string, string>;
}

/** Which credential a route takes: a token (PAT or installation token) or a GitHub App JWT. */
export type RouteAuth = 'token' | 'app-jwt';

export interface Route {
  method: string;
  template: string;
  auth: RouteAuth;
  handle(req: RouteRequest): Promise<RouteResponse>;
}

/** An answer GitHub would give instead of the normal response. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly body: Record<string, unknown>) {
    super(String(body['message'] ?? `HTTP ${status}`));
  }
}

export function notFound(doc = 'https://docs.github.com/rest'): ApiError {
  return new ApiError(404, errorBody(404, 'Not Found', doc));
}

export class Router {
  private readonly byMethod = new Map<string, PathTemplate<Route>[]>();

  add(route: Route): void {
    const list = this.byMethod.get(route.method) ?? [];
    list.push(compilePathTemplate(route.template, route));
    this.byMethod.set(route.method, list);
  }

  find(method: string, path: string): { route: Route; params: Record<string, string> } | null {
    const m = matchPathTemplate(this.byMethod.get(method) ?? [], path);
    return m ? { route: m.value, params: m.params } : null;
  }

  hasPath(path: string): boolean {
    return [...this.byMethod.values()].some((list) => matchPathTemplate(list, path) !== null);
  }
}

export function requireString(body: unknown, field: string, resource: string): string {
  const value = (body as Record<string, unknown> | null)?.[field];
  if (typeof value !== 'string' || value === '') {
    throw new ApiError(422, {
      message: 'Invalid request.\n\n"' + field + '" wasn\'t supplied.',
      documentation_url: 'https://docs.github.com/rest',
      status: '422',
      resource,
    });
  }
  return value;
}

export function asObject(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}
