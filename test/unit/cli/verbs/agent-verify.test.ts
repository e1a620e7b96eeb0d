import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../../cli/eatctl';
import type { Io } from '../../../../cli/verb';
import { buildOfflineData } from '../../../../shared/domain/offline-data';
import { decodeBase32, totp } from '../../../../shared/domain/totp';

const SEED = decodeBase32('KRSXG5CTMVRXEZLU');
const AT = new Date('2026-12-01T10:00:30.000Z');
let dir: string;
let dataFile: string;

function io(stdin = ''): Io & { out: string; err: string } {
  const captured = {
    out: '',
    err: '',
    stdout: (text: string) => void (captured.out += text),
    stderr: (text: string) => void (captured.err += text),
    readStdin: async () => stdin,
  };
  return captured;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eatctl-'));
  dataFile = join(dir, 'offline.json');
  const offlineData = await buildOfflineData({
    seed: SEED,
    serial: '000100000002',
    assignmentEpoch: 0,
    digits: 6,
    pin: null,
    from: AT,
    days: 1,
    userId: 'bob',
    kind: 'authenticate',
    agentId: 'win-agent-1',
    emergencyCode: {
      code: 'BOBCODE22XYZ',
      generation: 1,
      issueId: 'i-1',
      expiresAt: '2026-12-02T00:00:00.000Z',
      singleUse: true,
    },
  });
  // As an agent would save the reply of POST /v1/agent/authenticate.
  writeFileSync(dataFile, JSON.stringify({ outcome: 'accept', method: 'tokencode', offlineData }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const verify = (passcode: string, console = io()) =>
  main(
    ['agent', 'verify', '--json', '--data', dataFile, '--passcode', passcode, '--at', AT.toISOString()],
    console,
  );

describe('eatctl agent verify', () => {
  it('accepts the emergency code with exit 0, says how, and refuses a tokencode of a token without a PIN', async () => {
    const console = io();
    expect(await verify(totp(SEED, AT), console)).toBe(1);
    expect(JSON.parse(console.out)).toEqual({
      outcome: 'reject',
      method: null,
      reason: 'TOKENCODES_NOT_OFFLINE',
    });
    const code = io();
    expect(await verify('BOBCODE22XYZ', code)).toBe(0);
    expect(JSON.parse(code.out)).toMatchObject({ outcome: 'accept', method: 'emergency-access' });
  });

  it('keeps a ledger with --ledger: a single-use code is spent by its first offline use', async () => {
    const ledger = join(dir, 'ledger.json');
    const withLedger = (console = io()) =>
      main(
        [
          'agent',
          'verify',
          '--data',
          dataFile,
          '--passcode',
          'BOBCODE22XYZ',
          '--at',
          AT.toISOString(),
          '--ledger',
          ledger,
          '--json',
        ],
        console,
      );
    expect(await withLedger()).toBe(0);
    const again = io();
    expect(await withLedger(again)).toBe(1);
    expect(JSON.parse(again.out)).toMatchObject({ reason: 'EMERGENCY_CODE_SPENT' });
  });

  it('records the assignment epoch of the data in the ledger, and refuses older data of the token', async () => {
    const ledger = join(dir, 'epochs.json');
    const older = join(dir, 'older.json');
    const { offlineData } = JSON.parse(readFileSync(dataFile, 'utf8')) as { offlineData: object };
    const newer = join(dir, 'newer.json');
    writeFileSync(older, JSON.stringify({ ...offlineData, assignmentEpoch: 0 }));
    writeFileSync(newer, JSON.stringify({ ...offlineData, assignmentEpoch: 1 }));
    const run = (file: string, console = io()) =>
      main(
        [
          'agent',
          'verify',
          '--data',
          file,
          '--passcode',
          'BOBCODE22XYZ',
          '--at',
          AT.toISOString(),
          '--ledger',
          ledger,
          '--json',
        ],
        console,
      );
    // The epoch-1 copy does not match (its verifier is bound to epoch 0), but the ledger now knows epoch 1.
    expect(await run(newer)).toBe(1);
    expect(JSON.parse(readFileSync(ledger, 'utf8'))).toMatchObject({
      assignmentEpochs: { '000100000002': 1 },
    });
    const refused = io();
    expect(await run(older, refused)).toBe(1);
    expect(JSON.parse(refused.out)).toEqual({ outcome: 'reject', method: null, reason: 'DATA_SUPERSEDED' });
  });

  it('prints a table by default, as every verb does, and JSON with --json', async () => {
    const table = io();
    expect(
      await main(
        ['agent', 'verify', '--data', dataFile, '--passcode', 'BOBCODE22XYZ', '--at', AT.toISOString()],
        table,
      ),
    ).toBe(0);
    expect(table.out).toMatch(/^outcome +accept\nmethod +emergency-access\n/);
    expect(table.out).toMatch(new RegExp(`\nchecked at +${AT.toISOString()}\n`));
    expect(() => JSON.parse(table.out)).toThrow();
    const refused = io();
    const wrong = [
      'agent',
      'verify',
      '--data',
      dataFile,
      '--passcode',
      'BOBCODE22XYY',
      '--at',
      AT.toISOString(),
    ];
    expect(await main(wrong, refused)).toBe(1);
    expect(refused.out).toMatch(/^outcome +reject\nmethod +-\nreason +NO_MATCH\n/);
  });

  it('rejects a wrong passcode with exit 1 and never prints the passcode', async () => {
    const console = io();
    expect(await verify('BOBCODE22XYY', console)).toBe(1);
    expect(JSON.parse(console.out)).toMatchObject({ outcome: 'reject', method: null });
    expect(console.out + console.err).not.toContain('BOBCODE');
  });

  it('reads the passcode from standard input with --passcode -', async () => {
    const console = io('BOBCODE22XYZ\n');
    expect(await verify('-', console)).toBe(0);
  });

  it('exits 2 on a usage mistake and 3 on data it cannot read', async () => {
    const missing = io();
    expect(await main(['agent', 'verify', '--passcode', '123456'], missing)).toBe(2);
    expect(missing.err).toMatch(/--data is required/);
    expect(await main(['agent', 'verify', '--data', dataFile, '--passcode', 'x', '--bogus'], io())).toBe(2);
    expect(await main(['agent', 'frobnicate'], io())).toBe(2);
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, 'nope');
    const unreadable = io();
    expect(await main(['agent', 'verify', '--data', notJson, '--passcode', 'x'], unreadable)).toBe(3);
    expect(unreadable.err).toMatch(/not JSON/);
    expect(await main(['agent', 'verify', '--data', join(dir, 'absent.json'), '--passcode', 'x'], io())).toBe(
      3,
    );
  });

  it('lists its verbs', async () => {
    const console = io();
    expect(await main(['--help'], console)).toBe(0);
    expect(console.out).toMatch(/agent verify/);
  });
});
