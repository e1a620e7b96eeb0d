import type { z } from 'zod/mini';

/** The OAuth scopes of the API's callers. */
export type Scope = 'eat/admin' | 'eat/agent';

/** The functions that serve the routes, one per group; functions/registry.ts has each one's module. */
export const ROUTE_GROUPS = [
  'admin-search',
  'admin-view',
  'admin-change',
  'admin-audit',
  'admin-audit-export',
  'admin-manage',
  'admin-view-approvals',
  'admin-replication',
  'agent-authenticate',
  'openapi',
] as const;
export type RouteGroup = (typeof ROUTE_GROUPS)[number];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One route of the API: the single place its request and response schemas live. The validator, the
 * handlers' types, the OpenAPI document, the CDK stack, the local gateway and eatctl all read this.
 */
export interface RouteDefinition {
  operationId: string;
  method: HttpMethod;
  /** API Gateway path syntax: `/v1/tokens/{serial}`. */
  path: string;
  /** The scope a caller needs; null for the public OpenAPI document. */
  scope: Scope | null;
  /** The function (route group) that serves it: its entry in functions/registry.ts. */
  group: RouteGroup;
  summary: string;
  params?: z.ZodMiniType;
  query?: z.ZodMiniType;
  body?: z.ZodMiniType;
  /** Whether the route reads If-Match: `required` answers 428 without it. */
  ifMatch?: 'required' | 'optional';
  /** The success status and body; a PUT that creates answers 201 with the same body. */
  response: { status: number; schema: z.ZodMiniType; description: string };
  /** What the route writes to the audit trail, if anything. */
  audit?: string;
}

type Parsed<R, K extends 'params' | 'query' | 'body', Otherwise> =
  R extends Record<K, infer S extends z.ZodMiniType> ? z.output<S> : Otherwise;

/** The path parameters a route's handler receives, once validated. */
export type ParamsOf<R extends RouteDefinition> = Parsed<R, 'params', Record<string, never>>;
/** The query a route's handler receives, once validated (numbers parsed). */
export type QueryOf<R extends RouteDefinition> = Parsed<R, 'query', Record<string, never>>;
/** The body a route's handler receives, once validated. */
export type BodyOf<R extends RouteDefinition> = Parsed<R, 'body', undefined>;
/** The body a client sends: the schema's input. */
export type BodyInputOf<R extends RouteDefinition> =
  R extends Record<'body', infer S extends z.ZodMiniType> ? z.input<S> : undefined;
/** The path parameters a client fills in. */
export type ParamsInputOf<R extends RouteDefinition> =
  R extends Record<'params', infer S extends z.ZodMiniType> ? z.input<S> : Record<string, never>;
/** The query a client sends, as text. */
export type QueryInputOf<R extends RouteDefinition> =
  R extends Record<'query', infer S extends z.ZodMiniType> ? z.input<S> : Record<string, never>;
/** The success body a route answers with. */
export type ReplyOf<R extends RouteDefinition> = z.output<R['response']['schema']>;

/** What a handler may answer for a route: the reply's shape, read-only arrays and objects allowed. */
export type ReplyBodyOf<R extends RouteDefinition> =
  Readonly<ReplyOf<R>> extends infer T ? DeepReadonly<T> : never;

type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export const routeKeyOf = (route: Pick<RouteDefinition, 'method' | 'path'>) =>
  `${route.method} ${route.path}`;

/** A route's path with its parameters filled in, each encoded. */
export function pathOf<R extends RouteDefinition>(route: R, params: ParamsInputOf<R>): string {
  const values = params as Record<string, string>;
  return route.path.replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(values[name] ?? ''));
}
