/**
 * Every function of the service and its handler module, by name: the route groups (a route's `group`),
 * the scheduled expiry sweep, the audit outbox's stream consumer and the audit trail's event publisher. The CDK app takes each entry from
 * here, and the local system and the tests load the handlers through it; a route whose group is not here
 * does not type-check. Loading a module configures it from the environment, as a cold start does.
 */
import * as path from 'node:path';
import type { Context } from 'aws-lambda';
import type { UseCaseDependencies } from '../shared/use-cases/context';
import type { RouteGroup } from './api/contract/route';
import type { HttpEvent, HttpResult } from './http/http-handler';

export type HttpFunction = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/** A route group's module: its Lambda handler, and the same handler around given dependencies. */
export interface RouteFunctionModule {
  handler: HttpFunction;
  createHandler?: (deps: UseCaseDependencies) => HttpFunction;
}

export const ROUTE_FUNCTIONS = {
  'admin-search': () => import('./admin-search'),
  'admin-view': () => import('./admin-view'),
  'admin-change': () => import('./admin-change'),
  'admin-audit': () => import('./admin-audit'),
  'admin-audit-export': () => import('./admin-audit-export'),
  'admin-manage': () => import('./admin-manage'),
  'admin-view-approvals': () => import('./admin-view-approvals'),
  'admin-replication': () => import('./admin-replication'),
  'agent-authenticate': () => import('./agent-authenticate'),
  openapi: () => import('./openapi'),
} satisfies Record<RouteGroup, () => Promise<RouteFunctionModule>>;

/** The functions no route calls. */
export const EVENT_FUNCTIONS = {
  sweep: () => import('./sweep'),
  'audit-outbox': () => import('./audit-outbox'),
  'audit-trail': () => import('./audit-trail'),
} as const;

export type FunctionName = RouteGroup | keyof typeof EVENT_FUNCTIONS;

export const isRouteGroup = (name: string): name is RouteGroup => Object.hasOwn(ROUTE_FUNCTIONS, name);

/** Each function's handler module, as the CDK app bundles it. */
export const FUNCTION_ENTRIES = Object.fromEntries(
  [...Object.keys(ROUTE_FUNCTIONS), ...Object.keys(EVENT_FUNCTIONS)].map((name) => [
    name,
    path.join(__dirname, `${name}.ts`),
  ]),
) as Record<FunctionName, string>;

/** A route group's handler, loaded on first use, around `deps` where the module takes them. */
export function routeHandlerOf(group: string, deps: UseCaseDependencies): Promise<HttpFunction> {
  if (!isRouteGroup(group)) throw new Error(`no route function "${group}" in functions/registry.ts`);
  return ROUTE_FUNCTIONS[group]().then((module: RouteFunctionModule) =>
    module.createHandler ? module.createHandler(deps) : module.handler,
  );
}

/** Every route group's handler around `deps`, each loaded on its first request (a gateway's `handlerOf`). */
export function routeHandlersOf(deps: UseCaseDependencies): (group: string) => HttpFunction {
  const loaded = new Map<string, Promise<HttpFunction>>();
  return (group) => async (event, context) => {
    let handler = loaded.get(group);
    if (handler === undefined) {
      handler = routeHandlerOf(group, deps);
      loaded.set(group, handler);
    }
    return (await handler)(event, context);
  };
}
