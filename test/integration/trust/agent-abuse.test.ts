/**
 * Findings 5, 7 and 8 of the trust review, against the real handler and DynamoDB Local: one agent
 * credential cannot make the service run the KDF more than a fixed number of times, cannot tell a user
 * that exists from one that does not by the work done or the answer, and cannot take more than its own
 * request budget; agent login believes the token item, not the index, about who owns a token; names are
 * bounded after normalisation and folded one way on every search path.
 */
import { pbkdf2 } from 'node:crypto';
import { searchTokensRoute } from '../../../functions/api/contract/admin-routes';
import { agentAuthenticateRoute } from '../../../functions/api/contract/agent-routes';
import {
  assignTokenRoute,
  importTokenRoute,
  putUserRoute,
  setPinRoute,
} from '../../../functions/api/contract/management-routes';
import { errorBody } from '../../../functions/api/contract/schemas';
import { DynamoDbClientBudget } from '../../../shared/adapters/dynamodb/dynamodb-client-budget';
import { TOKENCODE_FAILURE_LIMIT } from '../../../shared/domain/lockout';
import {
  createVerifier,
  PEPPERED_VERIFIER_ITERATIONS,
  PEPPERED_VERIFIER_MIN_ITERATIONS,
  VERIFIER_ITERATIONS,
} from '../../../shared/domain/verifier';
import type { UseCaseDependencies } from '../../../shared/use-cases/context';
import { KDF_RUNS_PER_AUTHENTICATION } from '../../../shared/use-cases/passcode-checks';
import { seedDemo, USERS } from '../../support/demo';
import { ADMIN, AGENT } from '../../support/events';
import { startTestSystem, type TestSystem } from '../../support/system';
import { nextPasscode, nextTokencode, TestClock, WEB_AGENT } from '../../support/agent';

// Every PBKDF2 run of the process is counted (the verifier KDF runs only through node:crypto's pbkdf2).
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, pbkdf2: jest.fn(actual.pbkdf2) };
});
const kdfRuns = () =>
  (pbkdf2 as unknown as jest.Mock).mock.calls.filter(
    (call) => (call[2] as number) >= PEPPERED_VERIFIER_MIN_ITERATIONS,
  ).length;
/** The KDF work so far, in PBKDF2 iterations: what a login's CPU is. */
const kdfWork = () =>
  (pbkdf2 as unknown as jest.Mock).mock.calls
    .map((call) => call[2] as number)
    .filter((iterations) => iterations >= PEPPERED_VERIFIER_MIN_ITERATIONS)
    .reduce((total, iterations) => total + iterations, 0);

const [alice, , carol, dave, erin] = USERS;
let system: TestSystem;
let deps: UseCaseDependencies;
const clock = new TestClock();

beforeAll(async () => {
  system = await startTestSystem();
  await seedDemo(system);
  deps = { ...system.deps, clock: clock.read };
});

afterAll(async () => {
  await system.stop();
});

async function login(userId: string, passcode: string, claims = AGENT, with_ = deps) {
  const before = kdfRuns();
  const reply = await system.callWith(with_, agentAuthenticateRoute, { claims, body: { userId, passcode } });
  return { reply, kdf: kdfRuns() - before };
}

describe('finding 5: the same bounded work and the same answer for every user id', () => {
  it('runs the KDF exactly the fixed number of times, known user or not, right or wrong', async () => {
    await login('warm-up', '1234567890'); // the decoy verifier is made once per process
    const cases: [string, string, string][] = [
      ['an unknown user', 'no-such-user', '2468123456'],
      ['a known user, wrong passcode', 'alice', '2468123456'],
      ['a known user, no PIN given', 'alice', '123456'],
      ['an emergency code shape', 'alice', '2468ABCDEFGH'],
      ['an Authenticate token', 'bob', '123456'],
    ];
    for (const [label, userId, passcode] of cases) {
      const { reply, kdf } = await login(userId, passcode);
      expect([label, reply.status, reply.body, kdf]).toEqual([
        label,
        200,
        { outcome: 'reject', method: null, offlineData: null },
        KDF_RUNS_PER_AUTHENTICATION,
      ]);
    }
    const accepted = await login('dave', nextPasscode(clock, dave), WEB_AGENT);
    expect(accepted.reply.body.outcome).toBe('accept');
    expect(accepted.kdf).toBe(KDF_RUNS_PER_AUTHENTICATION);
  });

  it('does the same KDF work, in iterations, for an unknown user and a known one whose PIN is peppered', async () => {
    const set = await system.callWith(deps, setPinRoute, {
      claims: ADMIN,
      params: { serial: carol.serial },
      body: { pin: '1357' },
    });
    expect(set.status).toBe(200);
    const workOf = async (userId: string, passcode: string) => {
      const before = kdfWork();
      const { reply } = await login(userId, passcode);
      return [reply.body.outcome, kdfWork() - before];
    };
    const unknown = await workOf('no-such-user', '1357123456');
    expect(unknown).toEqual(['reject', KDF_RUNS_PER_AUTHENTICATION * PEPPERED_VERIFIER_ITERATIONS]);
    expect(await workOf('carol', '1357123456')).toEqual(unknown);
    expect(await workOf('carol', `9999${nextTokencode(clock, carol)}`)).toEqual(unknown);
    expect(await workOf('carol', '1357ABCDEFGH')).toEqual(unknown);
    expect(await workOf('carol', '123456')).toEqual(unknown);
  });

  it('costs a token with a PIN from before the pepper the same whether its tokencode was right or not', async () => {
    // alice's PIN as set before the pepper: a verifier of the PIN itself, at 600,000 iterations, without
    // pepperKeyId (the demo data sets its PINs peppered, as the API does).
    const token = (await system.deps.store.getToken(alice.serial))!;
    await system.deps.store.saveToken({ ...token, pinVerifier: await createVerifier(alice.pin) });
    // The wrong tokencode pays for the PIN's check too.
    const before = kdfWork();
    await login('alice', `9999${nextTokencode(clock, alice)}`);
    const rightTokencode = kdfWork() - before;
    const middle = kdfWork();
    await login('alice', '2468123456');
    expect(kdfWork() - middle).toBe(rightTokencode);
    expect(rightTokencode).toBe(VERIFIER_ITERATIONS + 2 * PEPPERED_VERIFIER_ITERATIONS);
    // Such a PIN is still checked as before, until it is next set.
    expect((await login('alice', nextPasscode(clock, alice), WEB_AGENT)).reply.body.outcome).toBe('accept');
  });

  it('calls the pepper key (KMS GenerateMac) the same number of times, so its latency tells nothing', async () => {
    let macs = 0;
    const counted: UseCaseDependencies = {
      ...deps,
      pepper: {
        mac: (secret, context) => {
          macs += 1;
          return deps.pepper.mac(secret, context);
        },
      },
    };
    const macsOf = async (userId: string, passcode: string, claims = AGENT) => {
      const before = macs;
      const { reply } = await login(userId, passcode, claims, counted);
      return [reply.body.outcome, macs - before];
    };
    // A right tokencode behind a wrong PIN is the case that peppered the PIN alone: one KMS call more.
    const rightTokencodeWrongPin = `9999${nextTokencode(clock, alice)}`;
    expect(await macsOf('alice', rightTokencodeWrongPin)).toEqual(['reject', KDF_RUNS_PER_AUTHENTICATION]);
    expect(await macsOf('alice', '2468123456')).toEqual(['reject', KDF_RUNS_PER_AUTHENTICATION]);
    expect(await macsOf('no-such-user', '2468123456')).toEqual(['reject', KDF_RUNS_PER_AUTHENTICATION]);
    expect(await macsOf('alice', '2468ABCDEFGH')).toEqual(['reject', KDF_RUNS_PER_AUTHENTICATION]);
    expect(await macsOf('dave', nextPasscode(clock, dave), WEB_AGENT)).toEqual([
      'accept',
      KDF_RUNS_PER_AUTHENTICATION,
    ]);
  });

  it('locks an unknown user id after as many failures as a known one, so `locked` names no one', async () => {
    const answers = async (userId: string) => {
      const seen: string[] = [];
      for (let i = 0; i <= TOKENCODE_FAILURE_LIMIT; i++) {
        seen.push((await login(userId, '1111123456')).reply.body.outcome);
      }
      // Any passcode of a locked user id is `locked`, an emergency code's shape included.
      seen.push((await login(userId, '1111ABCDEFGHJKLM')).reply.body.outcome);
      return seen;
    };
    const known = await answers(erin.userId);
    expect(known).toEqual([...Array(TOKENCODE_FAILURE_LIMIT).fill('reject'), 'locked', 'locked']);
    expect(await answers('nobody-at-all')).toEqual(known);
    // Another unknown id is not locked by the first one's failures.
    expect((await login('someone-else', '1111123456')).reply.body.outcome).toBe('reject');
  });

  it('does not run the KDF once per token of a user who holds many (it did up to 30 times)', async () => {
    for (let i = 0; i < 9; i++) {
      const serial = `MANY0000000${i}`;
      const imported = await system.callWith(deps, importTokenRoute, {
        claims: ADMIN,
        body: {
          serial,
          kind: 'securid',
          seed: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
          digits: 6,
          securityDomain: 'SystemDomain',
        },
      });
      expect(imported.status).toBe(201);
      await system.callWith(deps, assignTokenRoute, {
        claims: ADMIN,
        params: { serial },
        body: { userId: 'alice' },
      });
    }
    // Reads as PIN + tokencode and as PIN + emergency code against every token.
    const { reply, kdf } = await login('alice', '12345678901234');
    expect(reply.body.outcome).toBe('reject');
    expect(kdf).toBe(KDF_RUNS_PER_AUTHENTICATION);
  });

  it('answers a client over its budget 429 THROTTLED with Retry-After, and no other client', async () => {
    const budget = new DynamoDbClientBudget(system.table.client, {
      tableName: system.table.tableName,
      regionName: 'test-primary',
      limit: 3,
      windowSeconds: 3600,
    });
    const tight = { ...deps, clientBudget: budget };
    for (let i = 0; i < 3; i++)
      expect((await login('nobody', '1234567890', AGENT, tight)).reply.status).toBe(200);
    const before = kdfRuns();
    const refused = await system.callWith(tight, agentAuthenticateRoute, {
      claims: AGENT,
      body: { userId: 'nobody', passcode: '1234567890' },
    });
    expect(refused.status).toBe(429);
    expect(errorBody.parse(refused.body).error.code).toBe('THROTTLED');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3600).toBe(true);
    expect(kdfRuns() - before).toBe(0);
    expect((await login('nobody', '1234567890', WEB_AGENT, tight)).reply.status).toBe(200);
  });

  it('will not start the agent function without a budget', async () => {
    const { clientBudget: _none, ...without } = deps;
    await expect(system.callWith(without, agentAuthenticateRoute, { claims: AGENT })).rejects.toThrow(
      /budget/,
    );
  });
});

describe('finding 7: agent login checks the owner on the token item', () => {
  it('refuses a token the (stale) user index lists under another user', async () => {
    // An index that still lists alice's token under "mallory" (as after an unassign, before it catches up).
    const store = Object.create(deps.store) as typeof deps.store;
    store.findTokensByUserId = (userId, page) =>
      deps.store.findTokensByUserId(userId === 'mallory' ? 'alice' : userId, page);
    const stale = { ...deps, store };
    const { reply } = await login('mallory', nextPasscode(clock, alice), WEB_AGENT, stale);
    expect(reply.body).toEqual({ outcome: 'reject', method: null, offlineData: null });
    expect((await login('alice', nextPasscode(clock, alice), WEB_AGENT, stale)).reply.body.outcome).toBe(
      'accept',
    );
  });
});

describe('finding 8: names', () => {
  it('refuses (400) a name that grows past the bound under NFKD, so assigning a token never answers 500', async () => {
    const long = '\uFDFA'.repeat(64);
    const reply = await system.callWith(deps, putUserRoute, {
      claims: ADMIN,
      params: { userId: 'wide' },
      body: { firstName: long, lastName: 'Wide', securityDomain: 'SystemDomain' },
    });
    expect(reply.status).toBe(400);
    expect(errorBody.parse(reply.body).error.code).toBe('VALIDATION_FAILED');
    const search = await system.callWith(deps, searchTokensRoute, {
      claims: ADMIN,
      query: { lastName: long },
    });
    expect(search.status).toBe(400);
  });

  it('folds names one way on the user-id path and the domain path', async () => {
    expect(
      (
        await system.callWith(deps, putUserRoute, {
          claims: ADMIN,
          params: { userId: 'zoe' },
          body: { firstName: 'Zoë', lastName: 'Ärger', securityDomain: 'Sales' },
        })
      ).status,
    ).toBe(201);
    const serial = 'ZOE000000001';
    const imported = await system.callWith(deps, importTokenRoute, {
      claims: ADMIN,
      body: {
        serial,
        kind: 'authenticate',
        seed: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
        digits: 6,
        securityDomain: 'Sales',
      },
    });
    expect(imported.status).toBe(201);
    const assigned = await system.callWith(deps, assignTokenRoute, {
      claims: ADMIN,
      params: { serial },
      body: { userId: 'zoe' },
    });
    expect(assigned.status).toBe(200);
    const serialsOf = async (query: Record<string, string>) =>
      (await system.callWith(deps, searchTokensRoute, { claims: ADMIN, query })).body.items.map(
        (t: { serial: string }) => t.serial,
      );
    const both = { lastName: 'arg', firstName: 'ZOE' };
    expect(await serialsOf({ domain: 'Sales', ...both })).toEqual(['ZOE000000001']);
    expect(await serialsOf({ userId: 'zoe', ...both })).toEqual(['ZOE000000001']);
  });
});
