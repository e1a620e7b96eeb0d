import type { z } from 'zod/mini';
import type { Scope } from './claims';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One route of the API: the single place its input schema lives. The validator, the OpenAPI document,
 * the CDK stack and the local gateway all read this.
 */
export interface RouteDefinition {
  operationId: string;
  method: HttpMethod;
  /** API Gateway path syntax: `/v1/tokens/{serial}`. */
  path: string;
  /** The scope a caller needs; null for the public OpenAPI document. */
  scope: Scope | null;
  /** The function (route group) that serves it: its file is `functions/<group>.ts`. */
  group: string;
  summary: string;
  params?: z.ZodMiniType;
  query?: z.ZodMiniType;
  body?: z.ZodMiniType;
  ifMatch?: 'required' | 'optional';
  response: { status: number; schema: z.ZodMiniType; description: string };
  /** What the route writes to the audit trail, if anything. */
  audit?: string;
}

export const routeKeyOf = (route: Pick<RouteDefinition, 'method' | 'path'>) =>
  `${route.method} ${route.path}`;
