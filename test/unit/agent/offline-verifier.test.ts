import { parseOfflineData, verifyOfflinePasscode, OfflineDataError } from '../../../shared/agent';
import {
  buildOfflineData,
  type OfflineData,
  type OfflineDataInput,
} from '../../../shared/domain/offline-data';
import { decodeBase32, hotp } from '../../../shared/domain/totp';

const SEED = decodeBase32('JBSWY3DPEHPK3PXP');
const FROM = new Date('2026-12-01T10:00:30.000Z');
const STEP = Math.floor(FROM.getTime() / 60_000);
const CODE = 'K7QM2XHP';
const PIN = '2468';
const MINUTE = 60_000;

const tokencodeAt = (at: Date) => hotp(SEED, BigInt(Math.floor(at.getTime() / MINUTE)), 6);
const later = (minutes: number) => new Date(FROM.getTime() + minutes * MINUTE);

function input(overrides: Partial<OfflineDataInput> = {}): OfflineDataInput {
  return {
    seed: SEED,
    serial: '000100000001',
    digits: 6,
    pin: PIN,
    from: FROM,
    days: 1,
    userId: 'alice',
    kind: 'securid',
    agentId: 'win-agent-1',
    emergencyCode: {
      code: CODE,
      generation: 3,
      issueId: 'issue-3',
      expiresAt: later(12 * 60).toISOString(),
      singleUse: false,
    },
    ...overrides,
  };
}

let securid: OfflineData;
let authenticate: OfflineData;

beforeAll(async () => {
  securid = await buildOfflineData(input());
  authenticate = await buildOfflineData(
    input({ serial: '000100000002', kind: 'authenticate', pin: null, userId: 'bob' }),
  );
});

describe('offline data', () => {
  it('covers the days asked for, one 4-byte verifier per minute, and holds no code, PIN or seed', async () => {
    const data = await buildOfflineData(input({ days: 14 }));
    expect(data.tokencodes.count).toBe(14 * 1440);
    expect(Buffer.from(data.tokencodes.verifiers, 'base64')).toHaveLength(14 * 1440 * 4);
    expect(data.tokencodes.firstStep).toBe(STEP);
    expect(data.validUntil).toBe(new Date((STEP + 14 * 1440) * MINUTE).toISOString());
    expect(data).toMatchObject({
      format: 'eat-offline-data/1',
      requiresPin: true,
      days: 14,
      tokencodes: { key: { derivation: 'pbkdf2-sha256', iterations: 600_000 } },
      emergencyAccess: {
        generation: 3,
        issueId: 'issue-3',
        codeLength: 8,
        verifier: { iterations: 600_000 },
      },
    });
    const text = JSON.stringify(data);
    for (const secret of [
      CODE,
      PIN + CODE,
      'JBSWY3DPEHPK3PXP',
      SEED.toString('hex'),
      SEED.toString('base64'),
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(parseOfflineData(JSON.parse(text))).toEqual(data);
  });

  it('salts every download afresh', async () => {
    const again = await buildOfflineData(input());
    expect(again.tokencodes.key.salt).not.toBe(securid.tokencodes.key.salt);
    expect(again.tokencodes.verifiers).not.toBe(securid.tokencodes.verifiers);
    expect(again.emergencyAccess!.verifier.hash).not.toBe(securid.emergencyAccess!.verifier.hash);
  });

  it('refuses a PIN for a token kind without one, and the lack of one for SecurID', async () => {
    await expect(buildOfflineData(input({ pin: null }))).rejects.toThrow(RangeError);
    await expect(buildOfflineData(input({ kind: 'authenticate' }))).rejects.toThrow(RangeError);
  });
});

describe('checking a SecurID passcode offline', () => {
  it('accepts PIN and tokencode within a step of drift, and says which step', async () => {
    const at = later(90);
    for (const drift of [-1, 0, 1]) {
      const tokencode = tokencodeAt(new Date(at.getTime() + drift * MINUTE));
      expect(await verifyOfflinePasscode(securid, PIN + tokencode, { at })).toEqual({
        outcome: 'accept',
        method: 'tokencode',
        step: STEP + 90 + drift,
      });
    }
    const twoAway = tokencodeAt(later(92));
    expect(await verifyOfflinePasscode(securid, PIN + twoAway, { at })).toMatchObject({ outcome: 'reject' });
  });

  it('rejects a wrong PIN, a tokencode alone, and a replayed step', async () => {
    const at = later(30);
    const tokencode = tokencodeAt(at);
    expect(await verifyOfflinePasscode(securid, '1357' + tokencode, { at })).toEqual({
      outcome: 'reject',
      method: null,
      reason: 'NO_MATCH',
    });
    expect(await verifyOfflinePasscode(securid, tokencode, { at })).toMatchObject({
      reason: 'MALFORMED_PASSCODE',
    });
    expect(
      await verifyOfflinePasscode(securid, PIN + tokencode, { at, lastAcceptedStep: STEP + 30 }),
    ).toMatchObject({ outcome: 'reject', reason: 'REPLAYED' });
  });

  it('accepts PIN and emergency code, never the code alone or with another PIN, and not after it expires', async () => {
    const at = later(60);
    expect(await verifyOfflinePasscode(securid, PIN + CODE, { at })).toEqual({
      outcome: 'accept',
      method: 'emergency-access',
    });
    expect(await verifyOfflinePasscode(securid, CODE, { at })).toMatchObject({ outcome: 'reject' });
    expect(await verifyOfflinePasscode(securid, '1357' + CODE, { at })).toMatchObject({ outcome: 'reject' });
    expect(await verifyOfflinePasscode(securid, PIN + 'K7QM2XHQ', { at })).toMatchObject({
      outcome: 'reject',
    });
    expect(await verifyOfflinePasscode(securid, PIN + CODE, { at: later(12 * 60) })).toMatchObject({
      outcome: 'reject',
      reason: 'EMERGENCY_CODE_EXPIRED',
    });
  });

  it('refuses everything before the data begins and once it has run out', async () => {
    const end = new Date(Date.parse(securid.validUntil));
    const lastMinute = new Date(end.getTime() - 1000);
    expect(
      await verifyOfflinePasscode(securid, PIN + tokencodeAt(lastMinute), { at: lastMinute }),
    ).toMatchObject({
      outcome: 'accept',
    });
    expect(await verifyOfflinePasscode(securid, PIN + tokencodeAt(end), { at: end })).toMatchObject({
      reason: 'DATA_EXPIRED',
    });
    const before = later(-5);
    expect(await verifyOfflinePasscode(securid, PIN + tokencodeAt(before), { at: before })).toMatchObject({
      reason: 'DATA_NOT_YET_VALID',
    });
  });

  it('binds the verifiers to the serial and refuses a key derivation whose cost was lowered', async () => {
    const at = later(10);
    const passcode = PIN + tokencodeAt(at);
    expect(await verifyOfflinePasscode(securid, passcode, { at })).toMatchObject({ outcome: 'accept' });
    const otherSerial = { ...securid, serial: '000100000009' };
    expect(await verifyOfflinePasscode(otherSerial, passcode, { at })).toMatchObject({ outcome: 'reject' });
    const cheap = {
      ...securid,
      tokencodes: { ...securid.tokencodes, key: { ...securid.tokencodes.key, iterations: 1000 } },
    } as OfflineData;
    expect(await verifyOfflinePasscode(cheap, passcode, { at })).toMatchObject({ outcome: 'reject' });
  });
});

describe('checking an Authenticate passcode offline', () => {
  it('accepts the tokencode alone and the emergency code alone, never with a PIN', async () => {
    const at = later(5);
    expect(authenticate).toMatchObject({ requiresPin: false, tokencodes: { key: { derivation: 'salt' } } });
    expect(await verifyOfflinePasscode(authenticate, tokencodeAt(at), { at })).toMatchObject({
      outcome: 'accept',
      method: 'tokencode',
    });
    expect(await verifyOfflinePasscode(authenticate, CODE, { at })).toMatchObject({
      outcome: 'accept',
      method: 'emergency-access',
    });
    expect(await verifyOfflinePasscode(authenticate, PIN + CODE, { at })).toMatchObject({
      outcome: 'reject',
    });
    expect(await verifyOfflinePasscode(authenticate, PIN + tokencodeAt(at), { at })).toMatchObject({
      outcome: 'reject',
    });
  });
});

describe('reading offline data', () => {
  it('takes the data or a whole authenticate reply, and refuses damaged data with the reasons', () => {
    expect(parseOfflineData({ outcome: 'accept', method: 'tokencode', offlineData: securid })).toEqual(
      securid,
    );
    const short = {
      ...securid,
      tokencodes: { ...securid.tokencodes, verifiers: securid.tokencodes.verifiers.slice(8) },
    };
    expect(() => parseOfflineData(short)).toThrow(OfflineDataError);
    expect(() => parseOfflineData({ ...securid, format: 'other/1' })).toThrow(/format/);
    expect(() => parseOfflineData({ outcome: 'reject', method: null, offlineData: null })).toThrow(
      OfflineDataError,
    );
  });
});
