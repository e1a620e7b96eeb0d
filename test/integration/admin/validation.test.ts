/**
 * Property-based: every route of ALL_ROUTES that takes input refuses what its schemas refuse with
 * 400 VALIDATION_FAILED in the contract's error shape, writing nothing; and nothing a client can send
 * makes any route answer 500.
 */
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import type { z } from 'zod/mini';
import { ALL_ROUTES } from '../../../functions/api/contract/routes';
import { errorBody } from '../../../functions/api/contract/schemas';
import type { RouteDefinition } from '../../../functions/api/contract/route';
import { giveOfflineCode, seedDemo, USERS } from '../../support/demo';
import { ADMIN, SALES_ADMIN } from '../../support/events';
import type { RequestSpec } from '../../support/events';
import { startTestSystem, type Reply, type TestSystem } from '../../support/system';
import { claimsFor, exampleOf, takesInput, type RouteExample } from './route-examples';

/** Runs per property and route: enough to find a hole, few enough for the file to stay well under a minute. */
const RUNS = 30;

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
  await seedDemo(system);
  await giveOfflineCode(system, USERS[0], 'K7QM2XHP');
});

afterAll(async () => {
  await system.stop();
});

/** Every item of the (small) test table, as sorted JSON lines: equal snapshots mean nothing was written. */
async function tableSnapshot(): Promise<string[]> {
  const lines: string[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await system.table.client.send(
      new ScanCommand({
        TableName: system.table.tableName,
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      lines.push(JSON.stringify(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : 1))));
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return lines.sort();
}

/** Runs a property and checks that the table is exactly as it was before it. */
async function changingNothing(run: () => Promise<void>): Promise<void> {
  const before = await tableSnapshot();
  expect(before.length).toBeGreaterThan(10);
  await run();
  expect(await tableSnapshot()).toEqual(before);
}

function send(route: RouteDefinition, spec: RequestSpec): Promise<Reply> {
  return system.call(route, { claims: claimsFor(route), ...spec });
}

function expectErrorShape(reply: Reply): void {
  expect(errorBody.parse(reply.body)).toEqual(reply.body);
  expect(reply.headers['x-request-id']).toBe(reply.body.error.requestId);
  expect(reply.headers['content-type']).toBe('application/json');
  expect(reply.raw).not.toMatch(/\n\s+at |\.ts:\d+|node_modules/);
}

function expectValidationFailure(reply: Reply, reasonPrefix?: string): void {
  expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({
    status: 400,
    code: 'VALIDATION_FAILED',
  });
  expectErrorShape(reply);
  if (reasonPrefix !== undefined) {
    expect(reply.body.error.reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${reasonPrefix.replace(/\./g, '\\.')}\\b`)),
      ]),
    );
  }
}

const rejects = (schema: z.ZodMiniType | undefined, value: unknown) =>
  schema !== undefined && !schema.safeParse(value).success;

type Part = 'params' | 'query' | 'body';
const PART_NAME: Record<Part, string> = { params: 'path', query: 'query', body: 'body' };

const notJson = fc.string({ maxLength: 200 }).filter((text) => {
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
});

/** Text API Gateway could hand a function in a path or query value: any well-formed Unicode. */
const anyText = fc.string({ unit: 'grapheme', maxLength: 200 });
const anyKey = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 });
/** A value of any JSON type, or any text: a string field gets text that fits neither its pattern nor its type. */
const anyValue = fc.oneof(fc.jsonValue(), anyText);
const overLong = fc.integer({ min: 2_049, max: 6_000 }).map((length) => 'x'.repeat(length));

const base64url = (text: string) => Buffer.from(text).toString('base64url');
const badCursor = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.jsonValue().map((value) => base64url(JSON.stringify(value))),
  fc
    .dictionary(fc.constantFrom('pk', 'sk', 'domainKey', 'lastNameKey', 'listType', 'listKey'), fc.string())
    .map((key) => base64url(JSON.stringify(key))),
  fc.tuple(fc.string(), fc.string()).map((pair) => base64url(JSON.stringify(pair))),
);

const stringKeysOf = (value: Record<string, unknown> | undefined) =>
  Object.entries(value ?? {})
    .filter(([, v]) => typeof v === 'string')
    .map(([k]) => k);

const ROUTES = ALL_ROUTES.filter(takesInput);

it('has routes that take input, each with a valid example request', () => {
  expect(ROUTES.length).toBeGreaterThanOrEqual(20);
  for (const route of ROUTES) {
    const example = exampleOf(route);
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = route[part];
      if (schema === undefined) expect(example[part]).toBeUndefined();
      else
        expect({ route: route.operationId, part, ok: schema.safeParse(example[part] ?? {}).success }).toEqual(
          {
            route: route.operationId,
            part,
            ok: true,
          },
        );
    }
  }
});

describe.each(ROUTES.map((route) => [route.operationId, route] as const))('%s', (_id, route) => {
  const example: RouteExample = exampleOf(route);
  const base: RequestSpec = { params: example.params, query: example.query, body: example.body };

  if (route.body !== undefined) {
    it('refuses malformed JSON with 400, writing nothing', async () => {
      await changingNothing(() =>
        fc.assert(
          fc.asyncProperty(notJson, async (text) => {
            expectValidationFailure(await send(route, { ...base, body: undefined, rawBody: text }));
          }),
          { numRuns: RUNS },
        ),
      );
    });

    it('refuses a JSON body that is not its object with 400, writing nothing', async () => {
      await changingNothing(() =>
        fc.assert(
          fc.asyncProperty(
            fc.jsonValue().filter((value) => rejects(route.body, value)),
            async (body) => {
              expectValidationFailure(await send(route, { ...base, body }), 'body');
            },
          ),
          { numRuns: RUNS },
        ),
      );
    });

    const keys = Object.keys(example.body ?? {});
    if (keys.length > 0) {
      it('refuses a wrong type in any field with 400 naming the field, writing nothing', async () => {
        await changingNothing(() =>
          fc.assert(
            fc.asyncProperty(
              fc
                .tuple(fc.constantFrom(...keys), anyValue)
                .filter(([key, value]) => rejects(route.body, { ...example.body, [key]: value })),
              async ([key, value]) => {
                const reply = await send(route, { ...base, body: { ...example.body, [key]: value } });
                expectValidationFailure(reply, `body.${key}`);
              },
            ),
            { numRuns: RUNS },
          ),
        );
      });
    }

    it('refuses unknown fields with 400, writing nothing', async () => {
      await changingNothing(() =>
        fc.assert(
          fc.asyncProperty(
            fc.tuple(anyKey, fc.jsonValue()).filter(([key]) => !keys.includes(key)),
            async ([key, value]) => {
              const reply = await send(route, { ...base, body: { ...example.body, [key]: value } });
              expectValidationFailure(reply, 'body');
            },
          ),
          { numRuns: RUNS },
        ),
      );
    });
  } else {
    it('refuses a body it does not take with 400, writing nothing', async () => {
      await changingNothing(() =>
        fc.assert(
          fc.asyncProperty(fc.jsonValue(), async (body) => {
            expectValidationFailure(await send(route, { ...base, body }));
          }),
          { numRuns: RUNS },
        ),
      );
    });
  }

  if (route.query !== undefined) {
    const known = Object.keys(example.query ?? {});
    it('refuses unknown query parameters with 400, writing nothing', async () => {
      await changingNothing(() =>
        fc.assert(
          fc.asyncProperty(
            fc
              .tuple(anyKey, anyText)
              .filter(([key, value]) => rejects(route.query, { ...example.query, [key]: value })),
            async ([key, value]) => {
              expectValidationFailure(
                await send(route, { ...base, query: { ...example.query, [key]: value } }),
              );
            },
          ),
          { numRuns: RUNS },
        ),
      );
      expect(known.length).toBeGreaterThan(0);
    });

    if (route.query.safeParse({ cursor: 'abc' }).success) {
      it('refuses cursors it did not make with 400, writing nothing', async () => {
        await changingNothing(() =>
          fc.assert(
            fc.asyncProperty(badCursor, async (cursor) => {
              const reply = await send(route, { ...base, query: { ...example.query, cursor } });
              expectValidationFailure(reply);
            }),
            { numRuns: RUNS },
          ),
        );
      });
    }
  }

  const longTargets = (['params', 'query', 'body'] as const).flatMap((part) =>
    stringKeysOf(example[part]).map((key) => [part, key] as const),
  );
  if (longTargets.length > 0) {
    it('refuses an over-long string in any part with 400 naming it, writing nothing', async () => {
      await changingNothing(() =>
        fc.assert(
          fc.asyncProperty(fc.constantFrom(...longTargets), overLong, async ([part, key], text) => {
            const spec = { ...base, [part]: { ...example[part], [key]: text } };
            expect(rejects(route[part], spec[part])).toBe(true);
            expectValidationFailure(await send(route, spec), `${PART_NAME[part]}.${key}`);
          }),
          { numRuns: RUNS },
        ),
      );
    });
  }

  it('never answers 500 to anything a client can send', async () => {
    const paramNames = Object.keys(example.params ?? {});
    const params = fc.record(
      Object.fromEntries(
        paramNames.map((name) => [name, fc.oneof(fc.constant(example.params![name]!), anyText)]),
      ) as Record<string, fc.Arbitrary<string>>,
    );
    const query = fc.oneof(
      fc.constant(undefined),
      fc.constant(example.query),
      fc.dictionary(fc.oneof(fc.constantFrom('limit', 'cursor', 'userId', 'lastName'), anyKey), anyText, {
        maxKeys: 5,
      }),
    );
    const body = fc.oneof(
      fc.constant<Pick<RequestSpec, 'body' | 'rawBody'>>({}),
      fc.constant({ body: example.body }),
      fc.jsonValue().map((value) => ({ body: value })),
      fc.record({ rawBody: fc.string({ unit: 'binary', maxLength: 300 }) }),
      fc
        .tuple(fc.constantFrom(...Object.keys(example.body ?? { x: 0 })), anyValue)
        .map(([key, value]) => ({ body: { ...example.body, [key]: value } })),
    );
    const claims =
      route.scope === 'eat/admin' ? fc.constantFrom(ADMIN, SALES_ADMIN) : fc.constant(claimsFor(route));
    await fc.assert(
      fc.asyncProperty(params, query, body, claims, async (p, q, b, c) => {
        const reply = await system.call(route, { params: p, query: q, ...b, claims: c });
        expect(reply.status).toBeLessThan(500);
        if (reply.status >= 400) expectErrorShape(reply);
      }),
      { numRuns: RUNS },
    );
  });
});
