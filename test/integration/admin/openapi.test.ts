/**
 * GET /v1/openapi.json: an OpenAPI 3.1 document with every route of the route table, the paths of
 * the contract's administrators' routes, and request and response schemas that agree with the ones the
 * functions validate with. The JSON Schemas are checked with ajv (already in node_modules through
 * eslint; draft-07, which these schemas keep to).
 */
import Ajv from 'ajv';
import type { z } from 'zod/mini';
import { exportAuditChainRoute } from '../../../functions/api/contract/audit-export-routes';
import { replicationStatusRoute } from '../../../functions/api/contract/replication-routes';
import {
  auditTrailRoute,
  getTokenRoute,
  searchTokensRoute,
  viewEmergencyAccessRoute,
} from '../../../functions/api/contract/admin-routes';
import {
  getSecurityDomainRoute,
  getUserRoute,
  importTokenRoute,
  listAgentsRoute,
  listSecurityDomainsRoute,
} from '../../../functions/api/contract/management-routes';
import { ALL_ROUTES, openApiRoute } from '../../../functions/api/contract/routes';
import type { RouteDefinition } from '../../../functions/api/contract/route';
import { giveOfflineCode, seedDemo, USERS } from '../../support/demo';
import type { RequestSpec } from '../../support/events';
import { startTestSystem, type TestSystem } from '../../support/system';
import { exampleOf, takesInput } from './route-examples';

type Json = Record<string, unknown>;

/** The administrators' routes the contract names. */
const CONTRACT_ADMIN_ROUTES = [
  'GET /v1/tokens',
  'GET /v1/tokens/{serial}',
  'GET /v1/tokens/{serial}/emergency-access',
  'PATCH /v1/tokens/{serial}/emergency-access',
  'POST /v1/tokens/{serial}/emergency-access/reset',
  'PUT /v1/tokens/{serial}/emergency-access/online-use',
  'GET /v1/tokens/{serial}/audit',
];

let system: TestSystem;
let doc: Json;
const ajv = new Ajv({ allErrors: true, unknownFormats: 'ignore' });

beforeAll(async () => {
  system = await startTestSystem();
  await seedDemo(system);
  await giveOfflineCode(system, USERS[0], 'K7QM2XHP');
  const reply = await system.call(openApiRoute, { claims: null });
  expect(reply.status).toBe(200);
  doc = reply.body;
});

afterAll(async () => {
  await system.stop();
});

const operationOf = (route: Pick<RouteDefinition, 'method' | 'path'>) =>
  ((doc.paths as Record<string, Json>)[route.path] ?? {})[route.method.toLowerCase()] as Json | undefined;

/** A validator of a schema of the document, its `#/components/...` references resolved in the document. */
function validatorOf(schema: Json) {
  return ajv.compile({ ...schema, components: doc.components });
}

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: Json;
}

/** The document's parameters of one kind, as one object schema (as the route's zod schema sees them). */
function parametersSchema(route: RouteDefinition, where: 'path' | 'query'): Json {
  const parameters = ((operationOf(route)?.parameters ?? []) as Parameter[]).filter((p) => p.in === where);
  return {
    type: 'object',
    properties: Object.fromEntries(parameters.map((p) => [p.name, p.schema])),
    required: parameters.filter((p) => p.required).map((p) => p.name),
  };
}

/** Variations of a valid value: each field dropped, nulled, made an object, made over-long; one unknown field. */
function samplesAround(example: Json, options: { unknownFields: boolean }): Json[] {
  const samples: Json[] = [example];
  for (const [key, value] of Object.entries(example)) {
    const { [key]: _dropped, ...rest } = example;
    samples.push(rest, { ...example, [key]: null }, { ...example, [key]: { unexpected: true } });
    if (typeof value === 'string')
      samples.push({ ...example, [key]: 'x'.repeat(3_000) }, { ...example, [key]: '' });
  }
  if (options.unknownFields) samples.push({ ...example, unexpectedField: 1 });
  return samples;
}

it('serves an OpenAPI 3.1 document without authentication, cacheable', async () => {
  const reply = await system.call(openApiRoute, { claims: null });
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ openapi: '3.1.0', info: { version: '1' } });
  expect(reply.headers['cache-control']).toMatch(/max-age/);
});

it('has every route of the route table, with its method, operation id and scope', () => {
  for (const route of ALL_ROUTES) {
    const operation = operationOf(route);
    expect({ route: `${route.method} ${route.path}`, operationId: operation?.operationId }).toEqual({
      route: `${route.method} ${route.path}`,
      operationId: route.operationId,
    });
    expect(operation!.security).toEqual(route.scope === null ? [] : [{ jwt: [route.scope] }]);
    expect(Object.keys(operation!.responses as Json)).toContain(String(route.response.status));
  }
  const documented = Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  );
  expect(documented.sort()).toEqual(ALL_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
});

it('has the paths of the contract’s administrators’ routes', () => {
  for (const route of CONTRACT_ADMIN_ROUTES) {
    const [method, path] = route.split(' ') as [RouteDefinition['method'], string];
    expect({ route, documented: operationOf({ method, path }) !== undefined }).toEqual({
      route,
      documented: true,
    });
  }
});

describe.each(ALL_ROUTES.filter(takesInput).map((r) => [r.operationId, r] as const))(
  '%s: the document’s request schemas refuse what the functions refuse',
  (_id, route) => {
    const example = exampleOf(route);
    const parts: { part: 'params' | 'query' | 'body'; schema: z.ZodMiniType; documented: () => Json }[] = [];
    if (route.params)
      parts.push({ part: 'params', schema: route.params, documented: () => parametersSchema(route, 'path') });
    if (route.query)
      parts.push({ part: 'query', schema: route.query, documented: () => parametersSchema(route, 'query') });
    if (route.body) {
      parts.push({
        part: 'body',
        schema: route.body,
        documented: () => {
          const body = operationOf(route)!.requestBody as { content: Record<string, { schema: Json }> };
          return body.content['application/json']!.schema;
        },
      });
    }

    it.each(parts.map((p) => [p.part, p] as const))('%s', (_part, { part, schema, documented }) => {
      const validate = validatorOf(documented());
      // Unknown query parameters are the functions' rule, not something OpenAPI parameters can say.
      const samples = samplesAround((example[part] ?? {}) as Json, { unknownFields: part === 'body' });
      let refused = 0;
      for (const sample of samples) {
        const byZod = schema.safeParse(sample).success;
        expect({ sample, byDocument: validate(sample) }).toEqual({ sample, byDocument: byZod });
        if (!byZod) refused++;
      }
      expect(refused).toBeGreaterThan(0);
    });
  },
);

describe('replies match the document’s response schemas', () => {
  const serial = { serial: USERS[0].serial };
  const cases: [RouteDefinition, RequestSpec][] = [
    [searchTokensRoute, { query: { domain: 'SystemDomain' } }],
    [getTokenRoute, { params: serial }],
    [viewEmergencyAccessRoute, { params: serial }],
    [auditTrailRoute, { params: serial }],
    [exportAuditChainRoute, { params: serial }],
    [replicationStatusRoute, { params: serial }],
    [listSecurityDomainsRoute, {}],
    [getSecurityDomainRoute, { params: { domainId: 'Sales' } }],
    [getUserRoute, { params: { userId: 'alice' } }],
    [listAgentsRoute, {}],
    [importTokenRoute, { body: exampleOf(importTokenRoute).body }],
  ];
  it.each(cases.map(([route, spec]) => [route.operationId, route, spec] as const))(
    '%s',
    async (_id, route, spec) => {
      const reply = await system.call(route, spec);
      expect(reply.status).toBe(route.response.status);
      const responses = operationOf(route)!.responses as Record<
        string,
        { content: Record<string, { schema: Json }> }
      >;
      const validate = validatorOf(
        responses[String(route.response.status)]!.content['application/json']!.schema,
      );
      expect({ valid: validate(reply.body), errors: validate.errors ?? null }).toEqual({
        valid: true,
        errors: null,
      });
    },
  );
});
