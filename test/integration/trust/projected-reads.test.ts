/**
 * Least privilege at the attribute level, against DynamoDB Local. The read-only functions (search and
 * the token details, the audit trail) run their real handlers over a client that enforces, on every
 * request, the attribute conditions their IAM policies carry (`attributeConditions` of their declared
 * `reads`, the same object the CDK puts in the policy): a read that names no attributes, names one outside
 * the lists or asks for ALL_ATTRIBUTES is refused, as IAM refuses it. Every reply DynamoDB sends them is
 * kept and searched for the token's secrets.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  auditTrailRoute,
  getTokenRoute,
  searchTokensRoute,
} from '../../../functions/api/contract/admin-routes';
import { replicationStatusRoute } from '../../../functions/api/contract/replication-routes';
import { FUNCTION_DECLARATIONS } from '../../../infra/function-catalog';
import { DynamoDbReplicaReader } from '../../../shared/adapters/dynamodb/dynamodb-replica-reader';
import { attributeConditions } from '../../../infra/constructs/service-function';
import { DynamoDbTokenStore } from '../../../shared/adapters/dynamodb/dynamodb-token-store';
import { PIN_REGISTER_ATTRIBUTE, PROJECTION, adminSk, tokenPk } from '../../../shared/adapters/dynamodb/keys';
import { KEY } from '../../../shared/adapters/dynamodb/table-schema';
import { emptyRegionalCounters } from '../../../shared/domain/lockout';
import type { SecretVerifier, TokenState } from '../../../shared/domain/model';
import { nextAdminSettings } from '../../../shared/domain/regional-state';
import { tokenDetailsOf, tokenSummaryOf } from '../../../functions/api/views';
import { ADMIN } from '../../support/events';
import { aSecurityDomain, aToken, anAuditEvent, anIssuedCode } from '../../support/fixtures';
import { startTestSystem, type TestSystem } from '../../support/system';

const SERIAL = '000900000001';
const SEED = 'U0VFRC1TRUFMRUQtU0VDUkVU';
const CODE = 'Q09ERS1TRUFMRUQtU0VDUkVU';
const PIN_HASH = 'UElOLVZFUklGSUVSLUhBU0g=';
const CODE_HASH = 'Q09ERS1WRVJJRklFUi1IQVNI';
/** Made at creation and then set again (the register): both must stay unread. */
const OLD_PIN_HASH = 'T0xELVBJTi1WRVJJRklFUg==';
const SECRETS = [SEED, CODE, PIN_HASH, CODE_HASH, OLD_PIN_HASH, 'OUTBOX-PAYLOAD'];
const SECRET_ATTRIBUTES = ['sealedSeed', 'pinVerifier', PIN_REGISTER_ATTRIBUTE, 'sealedCode', 'verifier'];

const verifier = (hash: string): SecretVerifier => ({
  algorithm: 'pbkdf2-sha256',
  iterations: 600_000,
  salt: 'c2FsdA==',
  hash,
});

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
  const store = system.table.store;
  await store.saveSecurityDomain(aSecurityDomain({ id: 'Vault' }));
  await store.saveToken(
    aToken({
      serial: SERIAL,
      securityDomain: 'Vault',
      user: { userId: 'vera', firstName: 'Vera', lastName: 'Vault' },
      sealedSeed: { keyId: 'local:test', ciphertext: SEED },
      pinVerifier: verifier(OLD_PIN_HASH),
    }),
  );
  const items = (await store.getTokenState(SERIAL))!.items;
  const write = { region: 'test-primary', at: new Date('2026-12-01T00:00:00.000Z'), by: 'jane.admin' };
  await store.saveAdminSettings(
    nextAdminSettings(items, { enabled: false, pin: verifier(PIN_HASH), onlineUse: true }, write),
  );
  await store.saveRegionalCounters({
    ...emptyRegionalCounters(SERIAL, 'test-primary'),
    failures: { tokencode: 3, emergencyAccess: 1 },
    lastAuthenticatedAt: '2026-12-01T01:00:00.000Z',
  });
  await store.saveIssuedCode(
    anIssuedCode({
      serial: SERIAL,
      generation: 2,
      sealedCode: { keyId: 'local:test', ciphertext: CODE },
      verifier: verifier(CODE_HASH),
      expiresAt: '2099-01-01T00:00:00.000Z',
    }),
  );
  await store.appendAudit({
    ...anAuditEvent({ serial: SERIAL, details: { changed: true } }),
    eventId: 'projected-reads-event',
  });
  // Whatever other writers add to an item later (an outbox, say) is not in a list, so it is never read.
  const documents = DynamoDBDocumentClient.from(system.table.client);
  for (const sk of ['STATE#TOKEN', adminSk('test-primary')]) {
    await documents.send(
      new UpdateCommand({
        TableName: system.table.tableName,
        Key: { [KEY.partition]: tokenPk(SERIAL), [KEY.sort]: sk },
        UpdateExpression: 'SET auditOutbox = :o',
        ExpressionAttributeValues: { ':o': { event: 'OUTBOX-PAYLOAD' } },
      }),
    );
  }
});
afterAll(async () => {
  await system.stop();
});

class AccessDenied extends Error {
  override name = 'AccessDeniedException';
}

/** The top-level attribute names a request names, as IAM's `dynamodb:Attributes` sees them. */
function attributesOf(input: Record<string, unknown>): string[] | undefined {
  const expression = input.ProjectionExpression as string | undefined;
  if (expression === undefined) return undefined;
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  return expression.split(',').map((path) => {
    const first = path.trim().split(/[.[]/)[0]!;
    return names[first] ?? first;
  });
}

interface Recorded {
  command: string;
  attributes: string[] | undefined;
  reply: string;
}

/**
 * A client that refuses what the function's policy refuses: any action but GetItem and Query, and any
 * read outside `attributeConditions(reads)`. Records each request's attributes and DynamoDB's raw reply.
 */
function confinedClient(functionName: string, recorded: Recorded[]): DynamoDBClient {
  const reads = FUNCTION_DECLARATIONS[functionName]!.access.reads!;
  const conditions = attributeConditions(reads);
  const allowed = new Set(conditions['ForAllValues:StringEquals']['dynamodb:Attributes']);
  const client = new DynamoDBClient({
    endpoint: process.env.DYNAMODB_ENDPOINT,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName as string;
      const input = args.input as Record<string, unknown>;
      const attributes = attributesOf(input);
      if (!['GetItemCommand', 'QueryCommand'].includes(command)) throw new AccessDenied(command);
      if (attributes === undefined) throw new AccessDenied(`${command} names no attributes`);
      const outside = attributes.filter((a) => !allowed.has(a));
      if (outside.length > 0) throw new AccessDenied(`${command} reads ${outside.join(', ')}`);
      if (input.Select !== undefined && input.Select !== conditions.StringEqualsIfExists['dynamodb:Select'])
        throw new AccessDenied(`${command} selects ${String(input.Select)}`);
      const result = await next(args);
      recorded.push({ command, attributes, reply: JSON.stringify(result.output) });
      return result;
    },
    { step: 'initialize', name: 'simulatedIamPolicy' },
  );
  return client;
}

function confined(functionName: string) {
  const recorded: Recorded[] = [];
  const client = confinedClient(functionName, recorded);
  const store = new DynamoDbTokenStore(client, { tableName: system.table.tableName });
  return { recorded, store, deps: { ...system.deps, store }, client };
}

function expectNoSecret(recorded: Recorded[]) {
  expect(recorded.length).toBeGreaterThan(0);
  for (const { reply, attributes } of recorded) {
    for (const secret of SECRETS) expect(reply).not.toContain(secret);
    for (const name of [...SECRET_ATTRIBUTES, 'auditOutbox']) {
      expect(attributes).not.toContain(name);
      expect(reply).not.toContain(`"${name}"`);
    }
  }
}

describe('the read-only functions read no secret attribute', () => {
  it('the whole-item read search made before (getTokenState) is refused by the search policy', async () => {
    const { store, client } = confined('admin-search');
    await expect(store.getTokenState(SERIAL)).rejects.toBeInstanceOf(AccessDenied);
    client.destroy();
  });

  it('search by name, by user id and by serial, and the token details, answer whole under the search policy and read no secret', async () => {
    const { recorded, deps, client } = confined('admin-search');
    const call = (route: typeof searchTokensRoute | typeof getTokenRoute, spec: object) =>
      system.callWith(deps, route, { claims: ADMIN, ...spec });
    const full = (await system.table.store.getTokenState(SERIAL))!;
    const expected = JSON.parse(JSON.stringify(tokenSummaryOf(full, new Date())));
    // The merged values, not the token item's: disabled by the register, the newest code active.
    expect(expected).toMatchObject({ enabled: false, offlineEmergencyAccess: { state: 'active' } });

    for (const query of [{ lastName: 'vau' }, { firstName: 'ver' }, { userId: 'VERA' }, { serial: SERIAL }]) {
      const reply = await call(searchTokensRoute, { query });
      expect({ query, status: reply.status, items: reply.body.items }).toEqual({
        query,
        status: 200,
        items: [expected],
      });
    }
    const details = await call(getTokenRoute, { params: { serial: SERIAL } });
    expect(details.status).toBe(200);
    expect(details.body).toEqual(JSON.parse(JSON.stringify(tokenDetailsOf(full, new Date()))));
    expect(details.body.lockout).toMatchObject({ tokencodeFailures: 3, emergencyAccessFailures: 1 });
    expectNoSecret(recorded);
    client.destroy();
  });

  it('the audit trail answers under the audit policy and reads no secret', async () => {
    const { recorded, deps, client } = confined('admin-audit');
    const reply = await system.callWith(deps, auditTrailRoute, { claims: ADMIN, params: { serial: SERIAL } });
    expect(reply.status).toBe(200);
    const { serial: _serial, ...event } = anAuditEvent({ serial: SERIAL, details: { changed: true } });
    expect(reply.body.items).toEqual([event]);
    expectNoSecret(recorded);
    // Nothing of the token item but its domain.
    expect(recorded[0]).toMatchObject({ command: 'GetItemCommand', attributes: ['securityDomain'] });
    client.destroy();
  });
});

describe("the regions' view of a change reads no secret attribute, at home or in another region", () => {
  it('answers under its policy, from versions and change times only', async () => {
    const { recorded, deps, client } = confined('admin-replication');
    // The same table as this region's and as another region's replica: the policy is the same for both.
    const replicas = new DynamoDbReplicaReader(
      ['test-primary', 'test-replica'].map((region) => ({
        region,
        client,
        tableName: system.table.tableName,
      })),
    );
    const reply = await system.callWith({ ...deps, replicas }, replicationStatusRoute, {
      claims: ADMIN,
      params: { serial: SERIAL },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      writtenIn: 'test-primary',
      written: [
        { item: 'administrators-settings', version: 1, changedAt: '2026-12-01T00:00:00.000Z' },
        { item: 'lockout', version: 1, changedAt: null },
      ],
      regions: [
        { region: 'test-primary', state: 'origin' },
        { region: 'test-replica', state: 'replicated' },
      ],
    });
    expectNoSecret(recorded);
    client.destroy();
  });
});

describe('the projection lists cover what the views need', () => {
  it('the overview read without secrets merges to what the whole read shows', async () => {
    const store = system.table.store;
    const full: TokenState = (await store.getTokenState(SERIAL))!;
    const overview = (await store.getTokenOverview(SERIAL))!;
    expect(overview.issued).toEqual({
      generation: full.issued!.generation,
      state: full.issued!.state,
      expiresAt: full.issued!.expiresAt,
    });
    expect(overview.lockout).toEqual(full.lockout);
    expect(tokenDetailsOf(overview, new Date())).toEqual(tokenDetailsOf(full, new Date()));
    expect(await store.getTokenDomain(SERIAL)).toBe('Vault');
    expect(await store.getTokenOverview('000900000404')).toBeNull();
    expect(await store.getTokenDomain('000900000404')).toBeNull();
  });

  it('keeps the PIN register out of `registers`, and reads it back whole, also from an item stored before', async () => {
    const documents = DynamoDBDocumentClient.from(system.table.client);
    const full = (await system.table.store.getTokenState(SERIAL))!;
    expect(full.token.pinVerifier?.hash).toBe(PIN_HASH);
    // An admin item written before the PIN register moved out, in another region.
    const legacy = nextAdminSettings(
      full.items,
      { pin: verifier('TEVHQUNZ'), enabled: true },
      { region: 'test-zz-legacy', at: new Date('2026-12-02T00:00:00.000Z'), by: 'old' },
    );
    await documents.send(
      new PutCommand({
        TableName: system.table.tableName,
        Item: { ...legacy, version: 1, [KEY.partition]: tokenPk(SERIAL), [KEY.sort]: adminSk(legacy.region) },
      }),
    );
    const after = (await system.table.store.getTokenState(SERIAL))!;
    expect(after.token.pinVerifier?.hash).toBe('TEVHQUNZ');
    expect(after.token.enabled).toBe(true);
    // The overview sees the legacy item's `enabled` register too.
    expect((await system.table.store.getTokenOverview(SERIAL))!.token.enabled).toBe(true);
    expect(PROJECTION.tokenOverview).not.toContain('registers');
  });
});
