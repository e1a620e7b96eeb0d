/**
 * No secret in any log line: every line the functions write during a whole administrator's flow, at
 * DEBUG and with each incoming event logged, is captured and searched for the seed, the PIN, the
 * offline code and the tokencodes.
 */
import {
  auditTrailRoute,
  resetEmergencyAccessRoute,
  saveEmergencyAccessRoute,
  viewEmergencyAccessRoute,
} from '../../../functions/api/contract/admin-routes';
import { agentAuthenticateRoute } from '../../../functions/api/contract/agent-routes';
import {
  assignTokenRoute,
  importTokenRoute,
  putSecurityDomainRoute,
  putUserRoute,
  setPinRoute,
} from '../../../functions/api/contract/management-routes';
import { decodeBase32, totp } from '../../../shared/domain/totp';
import { giveOfflineCode, seedDemo } from '../../support/demo';
import { AGENT } from '../../support/events';
import { startTestSystem, type TestSystem } from '../../support/system';

// Read by test/support/system.ts and by the logger when each function module loads.
const saved = { level: process.env.TEST_LOG_LEVEL, logEvent: process.env.POWERTOOLS_LOGGER_LOG_EVENT };
process.env.TEST_LOG_LEVEL = 'DEBUG';
process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';

const SERIAL = 'LOG000000001';
const SEED = 'KZXW6YTBOI2DMNZQGEZDGNBVGY3TQOJQ';
// Eight digits throughout: a shorter secret could turn up by chance inside a request id.
const PIN = '73915286';
const CODE = 'ZXQ7W9RTPLM4';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
  await seedDemo(system);
});

afterAll(async () => {
  await system.stop();
  for (const [name, value] of [
    ['TEST_LOG_LEVEL', saved.level],
    ['POWERTOOLS_LOGGER_LOG_EVENT', saved.logEvent],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** Captures whatever reaches stdout, stderr or the console while `run` runs, as lines. */
async function captureLogs(run: () => Promise<void>): Promise<string[]> {
  const chunks: string[] = [];
  const record = (...args: unknown[]) => {
    chunks.push(
      args.map((a) => (typeof a === 'string' ? a : Buffer.isBuffer(a) ? a.toString() : String(a))).join(' '),
    );
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      record(chunk);
      return true;
    }),
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      record(chunk);
      return true;
    }),
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      jest.spyOn(console, method).mockImplementation(record),
    ),
  ];
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return chunks
    .join('\n')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

function leaksIn(lines: string[], secrets: string[]): { secret: string; line: string }[] {
  return lines.flatMap((line) =>
    secrets.filter((secret) => line.includes(secret)).map((secret) => ({ secret, line })),
  );
}

it('logs an unexpected error by name and stack frames, never its message', async () => {
  // An adapter whose error message holds the seed: the log line must name the error, not repeat it.
  const leakySealer = {
    ...system.deps.sealer,
    seal: async () => {
      throw new Error(`cannot seal ${SEED}`);
    },
  };
  const lines = await captureLogs(async () => {
    const reply = await system.callWith({ ...system.deps, sealer: leakySealer }, importTokenRoute, {
      body: { serial: 'LOG000000009', kind: 'securid', seed: SEED, digits: 8, securityDomain: 'Sales' },
    });
    expect(reply.status).toBe(500);
    expect(reply.raw).not.toContain(SEED);
  });
  const unhandled = lines.filter((line) => line.includes('Unhandled error'));
  expect(unhandled).toHaveLength(1);
  expect(unhandled[0]).toContain('"errorName":"Error"');
  expect(leaksIn(lines, [SEED])).toEqual([]);
  // The search itself finds a secret where there is one.
  expect(leaksIn([`{"message":"cannot seal ${SEED}"}`], [SEED])).toHaveLength(1);
});

it('writes no seed, PIN, offline code or tokencode to any log line during a full admin flow', async () => {
  const tokencodes: string[] = [];
  let shownCode: string | null = null;
  const statuses: number[] = [];
  const lines = await captureLogs(async () => {
    const call: TestSystem['call'] = async (route, spec) => {
      const reply = await system.call(route, spec);
      statuses.push(reply.status);
      return reply;
    };
    await call(putSecurityDomainRoute, { params: { domainId: 'Ops' }, body: { name: 'Operations' } });
    await call(putUserRoute, {
      params: { userId: 'kim' },
      body: { firstName: 'Kim', lastName: 'Kline', securityDomain: 'Ops' },
    });
    const tokenBody = { serial: SERIAL, kind: 'securid', seed: SEED, digits: 8, securityDomain: 'Ops' };
    await call(importTokenRoute, { body: tokenBody });
    // Refused requests that carry the secrets: a duplicate, a bad field beside the seed, broken JSON.
    await call(importTokenRoute, { body: tokenBody });
    await call(importTokenRoute, { body: { ...tokenBody, serial: 'LOG000000002', digits: 7 } });
    await call(setPinRoute, { params: { serial: SERIAL }, rawBody: `{"pin": "${PIN}"` });
    await call(assignTokenRoute, { params: { serial: SERIAL }, body: { userId: 'kim' } });
    await call(setPinRoute, { params: { serial: SERIAL }, body: { pin: PIN } });

    // The user logs in online (PIN + tokencode), once wrongly, then rightly.
    const tokencode = totp(decodeBase32(SEED), new Date(), { digits: 8, stepSeconds: 60, algorithm: 'sha1' });
    tokencodes.push(tokencode);
    await call(agentAuthenticateRoute, {
      claims: AGENT,
      body: { userId: 'kim', passcode: `${PIN}00000000` },
    });
    await call(agentAuthenticateRoute, {
      claims: AGENT,
      body: { userId: 'kim', passcode: `${PIN}${tokencode}` },
    });

    await giveOfflineCode(system, { userId: 'kim', serial: SERIAL }, CODE, { generation: 7 });
    const view = await call(viewEmergencyAccessRoute, { params: { serial: SERIAL } });
    shownCode = view.body.offline.tokencode;
    await call(resetEmergencyAccessRoute, { params: { serial: SERIAL } });
    const page = await call(viewEmergencyAccessRoute, { params: { serial: SERIAL } });
    await call(saveEmergencyAccessRoute, {
      params: { serial: SERIAL },
      body: { onlineUseAllowed: true },
      headers: { 'If-Match': page.headers.etag! },
    });
    await call(auditTrailRoute, { params: { serial: SERIAL }, query: { limit: '100' } });
  });

  // The flow did what it says, so the lines below are those of real work.
  expect(statuses).toEqual([201, 201, 201, 409, 400, 400, 200, 200, 200, 200, 200, 200, 200, 200, 200]);
  expect(shownCode).toBe(CODE);

  // The capture sees the functions' lines: every event, with its body redacted.
  const mentioningSerial = lines.filter((line) => line.includes(SERIAL));
  expect(mentioningSerial.length).toBeGreaterThanOrEqual(8);
  expect(lines.some((line) => line.includes('"body":"[REDACTED]"'))).toBe(true);
  expect(lines.some((line) => line.includes('Request refused'))).toBe(true);

  const seed = decodeBase32(SEED);
  const secrets = [
    SEED,
    SEED.toLowerCase(),
    seed.toString('hex'),
    seed.toString('base64'),
    PIN,
    CODE,
    ...tokencodes,
  ];
  expect(leaksIn(lines, secrets)).toEqual([]);
});
