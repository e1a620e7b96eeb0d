import * as z from 'zod/mini';
import type { RouteDefinition } from './contract/route';
import { errorBody } from './contract/schemas';

type JsonSchema = Record<string, unknown>;

const ERROR_RESPONSES: Record<number, string> = {
  400: 'VALIDATION_FAILED: the request is malformed; reasons name the failing fields',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN: the token lacks the scope',
  404: 'NOT_FOUND: no such resource, or outside your security domains',
  409: 'PRECONDITION_NOT_MET: reasons say which precondition fails',
  412: 'ETAG_MISMATCH: changed since it was read',
  413: 'PAYLOAD_TOO_LARGE: the body is over the limit (256 KB)',
  428: 'IF_MATCH_REQUIRED',
  429: 'THROTTLED',
  503: 'DEPENDENCY_UNAVAILABLE: try again',
};

/** Where the API answers: each region's deployment, and the local system of `npm start`. */
const SERVERS = [
  {
    url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
    description: "A region's deployment: the ApiEndpoint output of its eat-api-<region> stack",
    variables: {
      apiId: { default: 'api-id', description: 'The HTTP API id of the ApiEndpoint output' },
      region: { default: 'us-east-1', description: 'The AWS region' },
    },
  },
  { url: 'http://127.0.0.1:3000', description: 'The local system (npm start): the primary region' },
  { url: 'http://127.0.0.1:3001', description: 'The local system (npm start): the replica region' },
];

/** JSON Schema 2020-12 of a zod schema, with named parts moved to components and referenced there. */
function schemaOf(
  schema: z.ZodMiniType,
  io: 'input' | 'output',
  components: Record<string, JsonSchema>,
): JsonSchema {
  const json = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
  delete json.$schema;
  delete json.$defs;
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', '#/components/schemas/') : rewrite(v),
      ]),
    );
  };
  for (const [name, def] of Object.entries(defs)) components[name] = rewrite(def) as JsonSchema;
  return rewrite(json) as JsonSchema;
}

function parametersOf(
  schema: z.ZodMiniType | undefined,
  where: 'path' | 'query',
  components: Record<string, JsonSchema>,
) {
  if (schema === undefined) return [];
  const json = schemaOf(schema, 'input', components);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
  }));
}

/** The OpenAPI 3.1 document of the routes, generated from the same schemas that validate requests. */
export function openApiDocument(routes: readonly RouteDefinition[]): JsonSchema {
  const components: Record<string, JsonSchema> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  const errorSchema = schemaOf(errorBody, 'output', components);
  for (const route of routes) {
    const parameters = [
      ...parametersOf(route.params, 'path', components),
      ...parametersOf(route.query, 'query', components),
      ...(route.ifMatch
        ? [
            {
              name: 'If-Match',
              in: 'header',
              required: route.ifMatch === 'required',
              schema: { type: 'string' },
            },
          ]
        : []),
    ];
    const errors = Object.fromEntries(
      Object.entries(ERROR_RESPONSES)
        .filter(([status]) => route.scope !== null || status === '400')
        .filter(([status]) => route.body !== undefined || status !== '413')
        .map(([status, description]) => [
          status,
          { description, content: { 'application/json': { schema: errorSchema } } },
        ]),
    );
    paths[route.path] = {
      ...paths[route.path],
      [route.method.toLowerCase()]: {
        operationId: route.operationId,
        summary: route.summary,
        security: route.scope === null ? [] : [{ jwt: [route.scope] }],
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(route.body
          ? {
              requestBody: {
                required: true,
                content: { 'application/json': { schema: schemaOf(route.body, 'input', components) } },
              },
            }
          : {}),
        responses: {
          [route.response.status]: {
            description: route.response.description,
            content: {
              'application/json': { schema: schemaOf(route.response.schema, 'output', components) },
            },
          },
          ...errors,
        },
        ...(route.audit ? { 'x-audit-action': route.audit } : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Emergency Access Tokencodes',
      version: '1',
      description: 'Offline emergency access tokencodes for locked-out users (contract version 1).',
      // As package.json says (UNLICENSED): a private product. An SPDX reference of its own, not a listed licence.
      license: {
        name: 'Proprietary (UNLICENSED): no licence is granted',
        identifier: 'LicenseRef-Proprietary',
      },
    },
    servers: SERVERS,
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        jwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Scopes eat/admin and eat/agent',
        },
      },
    },
  };
}
