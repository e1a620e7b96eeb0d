import * as z from 'zod/mini';
import type { RouteDefinition } from './route';
import { ADMIN_ROUTES } from './admin-routes';
import { AGENT_ROUTES } from './agent-routes';
import { AUDIT_EXPORT_ROUTES } from './audit-export-routes';
import { MANAGEMENT_ROUTES } from './management-routes';
import { REPLICATION_ROUTES } from './replication-routes';
import { VIEW_APPROVAL_ROUTES } from './view-approval-routes';

export const openApiRoute = {
  operationId: 'getOpenApi',
  method: 'GET',
  path: '/v1/openapi.json',
  scope: null,
  group: 'openapi',
  summary: 'This OpenAPI 3.1 document',
  response: { status: 200, schema: z.record(z.string(), z.unknown()), description: 'The document' },
} as const satisfies RouteDefinition;

/** Every route of the API: what the CDK stack, the local gateway and the OpenAPI document are built from. */
export const ALL_ROUTES: readonly RouteDefinition[] = [
  ...ADMIN_ROUTES,
  ...AUDIT_EXPORT_ROUTES,
  ...MANAGEMENT_ROUTES,
  ...VIEW_APPROVAL_ROUTES,
  ...REPLICATION_ROUTES,
  ...AGENT_ROUTES,
  openApiRoute,
];
