import {
  heldOfflineOf,
  parseOfflineData,
  recordOfflineData,
  recordOfflineUse,
  verifyOfflinePasscode,
  OfflineDataError,
} from '../../../../shared/agent';
import {
  buildOfflineData,
  buildOfflineTokencodes,
  expectedResidue,
  offlineEmergencySecretOf,
  offlinePadKey,
  offlinePads,
  OFFLINE_RESIDUE_MODULUS,
  type OfflineData,
  type OfflineDataInput,
  type OfflineTokencodes,
} from '../../../../shared/domain/offline-data';
import { hotpSeries } from '../../../../shared/domain/hotp-series';
import { createVerifier, VERIFIER_ITERATIONS } from '../../../../shared/domain/verifier';
import { decodeBase32, hotp } from '../../../../shared/domain/totp';

const SEED = decodeBase32('JBSWY3DPEHPK3PXP');
const FROM = new Date('2026-12-01T10:00:30.000Z');
const STEP = Math.floor(FROM.getTime() / 60_000);
const CODE = 'K7QM2XHPR4TW';
const PIN = '246802';
const MINUTE = 60_000;

const tokencodeAt = (at: Date) => hotp(SEED, BigInt(Math.floor(at.getTime() / MINUTE)), 6);
const later = (minutes: number) => new Date(FROM.getTime() + minutes * MINUTE);
/** The same tokencode with its last digit changed: a different residue, so never accepted with the right PIN. */
const otherLastDigit = (tokencode: string) =>
  tokencode.slice(0, -1) + String((Number(tokencode.slice(-1)) + 1) % 10);

function input(overrides: Partial<OfflineDataInput> = {}): OfflineDataInput {
  return {
    seed: SEED,
    serial: '000100000001',
    assignmentEpoch: 0,
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

const tokencodesOf = (data: OfflineData): OfflineTokencodes => data.tokencodes!;

describe('offline data', () => {
  it('covers the days asked for, one 2-byte residue per minute, and holds no code, PIN or seed', async () => {
    const data = await buildOfflineData(input({ days: 14 }));
    const tokencodes = tokencodesOf(data);
    expect(tokencodes.count).toBe(14 * 1440);
    expect(Buffer.from(tokencodes.residues, 'base64')).toHaveLength(14 * 1440 * 2);
    expect(tokencodes.firstStep).toBe(STEP);
    expect(data.validUntil).toBe(new Date((STEP + 14 * 1440) * MINUTE).toISOString());
    expect(data).toMatchObject({
      format: 'eat-offline-data/3',
      requiresPin: true,
      days: 14,
      tokencodesWithheld: null,
      tokencodes: {
        modulus: 10_000,
        acceptance: { leadSeconds: 15, graceSeconds: 30 },
        key: { derivation: 'scrypt', cost: 8192, blockSize: 8, parallelization: 1 },
      },
      emergencyAccess: {
        generation: 3,
        issueId: 'issue-3',
        codeLength: 12,
        verifier: { algorithm: 'scrypt', cost: 8192, blockSize: 8, parallelization: 1 },
      },
    });
    const text = JSON.stringify(data);
    for (const secret of [
      CODE,
      PIN + CODE,
      PIN,
      'JBSWY3DPEHPK3PXP',
      SEED.toString('hex'),
      SEED.toString('base64'),
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(parseOfflineData(JSON.parse(text))).toEqual(data);
  });

  it('holds, under the right PIN, exactly each step’s tokencode modulo 10,000 and nothing more', async () => {
    const tokencodes = tokencodesOf(securid);
    const padKey = await offlinePadKey(tokencodes.key, PIN, securid);
    const pads = offlinePads(padKey, 0, tokencodes.count);
    const residues = Buffer.from(tokencodes.residues, 'base64');
    const truth = hotpSeries(SEED, tokencodes.firstStep, tokencodes.count, 6);
    for (let i = 0; i < tokencodes.count; i++) {
      expect(expectedResidue(residues, i, pads[i]!)).toBe(truth[i]! % OFFLINE_RESIDUE_MODULUS);
    }
    // One pad read alone equals the same pad read with the rest (the agent reads one at a time).
    expect(offlinePads(padKey, 777, 1)[0]).toBe(pads[777]);
  });

  it('salts every download afresh', async () => {
    const again = await buildOfflineData(input());
    expect(tokencodesOf(again).key.salt).not.toBe(tokencodesOf(securid).key.salt);
    expect(tokencodesOf(again).residues).not.toBe(tokencodesOf(securid).residues);
    expect(again.emergencyAccess!.verifier.hash).not.toBe(securid.emergencyAccess!.verifier.hash);
  });

  it('refuses a PIN for a token kind without one, and the lack of one for SecurID', async () => {
    await expect(buildOfflineData(input({ pin: null }))).rejects.toThrow(RangeError);
    await expect(buildOfflineData(input({ kind: 'authenticate' }))).rejects.toThrow(RangeError);
  });
});

describe('checking a SecurID passcode offline', () => {
  it('accepts a tokencode from 15 s before its step to 30 s after it (105 s in all), and says which step', async () => {
    const start = later(90).getTime() - 30_000; // the start of step STEP + 90
    const step = STEP + 90;
    const tokencode = tokencodeAt(new Date(start));
    for (const offset of [-15, 0, 59, 60 + 29]) {
      const at = new Date(start + offset * 1000);
      expect(await verifyOfflinePasscode(securid, PIN + tokencode, { at })).toEqual({
        outcome: 'accept',
        method: 'tokencode',
        step,
      });
    }
    for (const offset of [-16, 60 + 30]) {
      const at = new Date(start + offset * 1000);
      const result = await verifyOfflinePasscode(securid, PIN + tokencode, { at });
      // Another step's residue may share the last four digits by chance (1 in 10,000): never this step.
      expect(result.step ?? null).not.toBe(step);
    }
  });

  it('rejects a wrong tokencode, a tokencode alone, and a replayed step', async () => {
    const at = later(30);
    const tokencode = tokencodeAt(at);
    expect(await verifyOfflinePasscode(securid, PIN + otherLastDigit(tokencode), { at })).toEqual({
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

  it('accepts a wrong PIN only by the 1-in-10,000 chance of a step, as every PIN is consistent with the file', async () => {
    const tokencodes = tokencodesOf(securid);
    const residues = Buffer.from(tokencodes.residues, 'base64');
    const truth = hotpSeries(SEED, tokencodes.firstStep, tokencodes.count, 6);
    const padKey = await offlinePadKey(tokencodes.key, '135791', securid);
    const pads = offlinePads(padKey, 0, tokencodes.count);
    let matches = 0;
    for (let i = 0; i < tokencodes.count; i++) {
      if (expectedResidue(residues, i, pads[i]!) === truth[i]! % OFFLINE_RESIDUE_MODULUS) matches += 1;
    }
    // 1,440 steps at 1/10,000: 0.144 expected; 5 or more has a chance below 10^-6.
    expect(matches).toBeLessThan(5);
  });

  it('accepts PIN and emergency code, never the code alone or with another PIN, and not after it expires', async () => {
    const at = later(60);
    expect(await verifyOfflinePasscode(securid, PIN + CODE, { at })).toEqual({
      outcome: 'accept',
      method: 'emergency-access',
    });
    expect(await verifyOfflinePasscode(securid, CODE, { at })).toMatchObject({ outcome: 'reject' });
    expect(await verifyOfflinePasscode(securid, '135791' + CODE, { at })).toMatchObject({
      outcome: 'reject',
    });
    expect(await verifyOfflinePasscode(securid, PIN + 'K7QM2XHPR4TX', { at })).toMatchObject({
      outcome: 'reject',
    });
    expect(await verifyOfflinePasscode(securid, PIN + CODE, { at: later(12 * 60) })).toMatchObject({
      outcome: 'reject',
      reason: 'EMERGENCY_CODE_EXPIRED',
    });
  });

  it('spends a single-use emergency code offline: the ledger records it and the next try is refused', async () => {
    const data = await buildOfflineData(
      input({ emergencyCode: { ...input().emergencyCode!, singleUse: true } }),
    );
    const at = later(60);
    const first = await verifyOfflinePasscode(data, PIN + CODE, { at });
    expect(first).toEqual({
      outcome: 'accept',
      method: 'emergency-access',
      spent: { serial: '000100000001', generation: 3, issueId: 'issue-3' },
    });
    const ledger = recordOfflineUse({}, first);
    expect(await verifyOfflinePasscode(data, PIN + CODE, { at, ...ledger })).toEqual({
      outcome: 'reject',
      method: null,
      reason: 'EMERGENCY_CODE_SPENT',
    });
    // A reusable code is not recorded, and a later generation is not refused.
    expect(recordOfflineUse({}, await verifyOfflinePasscode(securid, PIN + CODE, { at }))).toEqual({
      lastAcceptedStep: null,
      spentEmergencyCodes: [],
    });
    const next = { ...data, emergencyAccess: { ...data.emergencyAccess!, generation: 4 } };
    expect(await verifyOfflinePasscode(next, PIN + CODE, { at, ...ledger })).not.toMatchObject({
      reason: 'EMERGENCY_CODE_SPENT',
    });
    // The next online login tells the service, which spends it there too; of the newer data, nothing.
    expect(heldOfflineOf(data, {})).toEqual({ generation: 3, issueId: 'issue-3' });
    expect(heldOfflineOf(data, ledger)).toEqual({ generation: 3, issueId: 'issue-3', spentOffline: true });
    expect(heldOfflineOf(next, ledger)).toEqual({ generation: 4, issueId: 'issue-3' });
  });

  it('refuses everything before the data begins and once it has run out', async () => {
    const end = new Date(Date.parse(securid.validUntil));
    const lastMinute = new Date(end.getTime() - 1000);
    expect(
      await verifyOfflinePasscode(securid, PIN + tokencodeAt(lastMinute), { at: lastMinute }),
    ).toMatchObject({ outcome: 'accept' });
    expect(await verifyOfflinePasscode(securid, PIN + tokencodeAt(end), { at: end })).toMatchObject({
      reason: 'DATA_EXPIRED',
    });
    const before = later(-5);
    expect(await verifyOfflinePasscode(securid, PIN + tokencodeAt(before), { at: before })).toMatchObject({
      reason: 'DATA_NOT_YET_VALID',
    });
  });

  it('binds the residues to the serial', async () => {
    const at = later(10);
    const tokencode = tokencodeAt(at);
    expect(await verifyOfflinePasscode(securid, PIN + tokencode, { at })).toMatchObject({
      outcome: 'accept',
    });
    const otherSerial = { ...securid, serial: '000100000009' };
    const result = await verifyOfflinePasscode(otherSerial, PIN + tokencode, { at });
    expect(result.step ?? null).toBeNull();
  });
});

describe('the assignment epoch', () => {
  let reassigned: OfflineData;
  beforeAll(async () => {
    reassigned = await buildOfflineData(input({ assignmentEpoch: 1 }));
  });

  it('binds the pads and the emergency verifier: a rewritten epoch matches only by chance', async () => {
    const tokencodes = tokencodesOf(reassigned);
    const residues = Buffer.from(tokencodes.residues, 'base64');
    const truth = hotpSeries(SEED, tokencodes.firstStep, tokencodes.count, 6);
    const underRightEpoch = offlinePads(
      await offlinePadKey(tokencodes.key, PIN, reassigned),
      0,
      tokencodes.count,
    );
    const underEpoch0 = offlinePads(
      await offlinePadKey(tokencodes.key, PIN, { ...reassigned, assignmentEpoch: 0 }),
      0,
      tokencodes.count,
    );
    let right = 0;
    let rewritten = 0;
    for (let i = 0; i < tokencodes.count; i++) {
      const residue = truth[i]! % OFFLINE_RESIDUE_MODULUS;
      if (expectedResidue(residues, i, underRightEpoch[i]!) === residue) right++;
      if (expectedResidue(residues, i, underEpoch0[i]!) === residue) rewritten++;
    }
    expect(right).toBe(tokencodes.count);
    // 1,440 steps at 1 in 10,000 each: 0.14 expected by chance.
    expect(rewritten).toBeLessThan(5);

    const at = later(10);
    expect(await verifyOfflinePasscode(reassigned, PIN + CODE, { at })).toMatchObject({ outcome: 'accept' });
    const asEpoch0 = { ...reassigned, assignmentEpoch: 0 };
    expect(await verifyOfflinePasscode(asEpoch0, PIN + CODE, { at })).toMatchObject({ reason: 'NO_MATCH' });
  });

  it('reads data made before epochs as epoch 0, checked as before', async () => {
    const { assignmentEpoch, ...withoutEpoch } = securid;
    expect(assignmentEpoch).toBe(0);
    const parsed = parseOfflineData(JSON.parse(JSON.stringify(withoutEpoch)));
    expect(parsed.assignmentEpoch).toBe(0);
    const at = later(10);
    expect(await verifyOfflinePasscode(parsed, PIN + tokencodeAt(at), { at })).toMatchObject({
      outcome: 'accept',
    });
    expect(await verifyOfflinePasscode(parsed, PIN + CODE, { at })).toMatchObject({ outcome: 'accept' });
  });

  it('is kept per serial by the ledger, which then refuses older data of that serial only', async () => {
    const at = later(10);
    let ledger = recordOfflineData({}, securid);
    expect(ledger.assignmentEpochs).toEqual({ [securid.serial]: 0 });
    ledger = recordOfflineData(ledger, reassigned);
    expect(recordOfflineData(ledger, securid)).toBe(ledger);
    expect(ledger.assignmentEpochs).toEqual({ [securid.serial]: 1 });
    expect(await verifyOfflinePasscode(securid, PIN + CODE, { at, ...ledger })).toEqual({
      outcome: 'reject',
      method: null,
      reason: 'DATA_SUPERSEDED',
    });
    expect(await verifyOfflinePasscode(reassigned, PIN + CODE, { at, ...ledger })).toMatchObject({
      outcome: 'accept',
    });
    // Another token's data is not affected, and recording a use keeps what the ledger knew.
    expect(await verifyOfflinePasscode(authenticate, CODE, { at, ...ledger })).toMatchObject({
      outcome: 'accept',
    });
    const used = recordOfflineUse(
      ledger,
      await verifyOfflinePasscode(reassigned, PIN + tokencodeAt(at), { at }),
    );
    expect(used.assignmentEpochs).toEqual(ledger.assignmentEpochs);
  });
});

describe('KDF parameters from a file', () => {
  const withKey = (key: object) => ({
    ...securid,
    tokencodes: { ...tokencodesOf(securid), key: { ...tokencodesOf(securid).key, ...key } },
  });
  const withEatVerifier = (verifier: object) => ({
    ...securid,
    emergencyAccess: {
      ...securid.emergencyAccess!,
      verifier: { ...securid.emergencyAccess!.verifier, ...verifier },
    },
  });
  const pbkdf2 = (iterations: number) => ({
    derivation: 'pbkdf2-sha256',
    algorithm: 'pbkdf2-sha256',
    iterations,
  });

  it('are refused whole below the floor and above the ceiling, so a tampered file can neither cheapen nor hang a check', () => {
    for (const cost of [1024, 4096, 8191, 12_288, 2 ** 17, 1e12]) {
      expect(() => parseOfflineData(withKey({ cost }))).toThrow(/cost/);
      expect(() => parseOfflineData(withEatVerifier({ cost }))).toThrow(/cost/);
    }
    for (const blockSize of [1, 4, 16]) {
      expect(() => parseOfflineData(withKey({ blockSize }))).toThrow(/blockSize/);
      expect(() => parseOfflineData(withEatVerifier({ blockSize }))).toThrow(/blockSize/);
    }
    expect(parseOfflineData(withKey({ cost: 2 ** 16 })).tokencodes!.key).toMatchObject({ cost: 2 ** 16 });
    // A format 2 file's PBKDF2 keeps its own floor and ceiling.
    for (const iterations of [1000, 599_999, 2_000_001, 1e12]) {
      expect(() => parseOfflineData(withKey(pbkdf2(iterations)))).toThrow(/iterations/);
      expect(() => parseOfflineData(withEatVerifier(pbkdf2(iterations)))).toThrow(/iterations/);
    }
    expect(parseOfflineData(withKey(pbkdf2(2_000_000))).tokencodes!.key).toMatchObject({
      iterations: 2_000_000,
    });
  });

  it('cannot widen the acceptance window', () => {
    const wide = {
      ...securid,
      tokencodes: { ...tokencodesOf(securid), acceptance: { leadSeconds: 60, graceSeconds: 30 } },
    };
    expect(() => parseOfflineData(wide)).toThrow(/leadSeconds/);
  });

  it('an emergency code verifier above the ceiling is refused by the check itself too', async () => {
    const at = later(60);
    for (const tampered of [withEatVerifier({ cost: 2 ** 20 }), withEatVerifier(pbkdf2(50_000_000))]) {
      const result = await verifyOfflinePasscode(tampered as OfflineData, PIN + CODE, { at });
      expect(result).toMatchObject({ outcome: 'reject' });
    }
  });

  it('still reads and checks a format 2 file (PBKDF2), by the KDF its parameters name', async () => {
    const at = later(5);
    const tokencodes = await buildOfflineTokencodes({ ...input(), pin: PIN }, VERIFIER_ITERATIONS);
    const format2 = parseOfflineData(
      JSON.parse(
        JSON.stringify({
          ...securid,
          format: 'eat-offline-data/2',
          tokencodes,
          emergencyAccess: {
            ...securid.emergencyAccess!,
            verifier: await createVerifier(offlineEmergencySecretOf(PIN, CODE, 0)),
          },
        }),
      ),
    );
    expect(format2.tokencodes!.key).toMatchObject({ derivation: 'pbkdf2-sha256', iterations: 600_000 });
    expect(await verifyOfflinePasscode(format2, PIN + tokencodeAt(at), { at })).toMatchObject({
      outcome: 'accept',
      method: 'tokencode',
    });
    expect(await verifyOfflinePasscode(format2, PIN + CODE, { at })).toMatchObject({
      outcome: 'accept',
      method: 'emergency-access',
    });
    expect(await verifyOfflinePasscode(format2, '135791' + CODE, { at })).toMatchObject({
      outcome: 'reject',
    });
  });
});

describe('a domain that keeps tokencodes off the laptop (offlineTokencodes: false)', () => {
  it('gives a SecurID token no tokencode data, says why, and takes PIN + emergency code alone', async () => {
    const at = later(5);
    const eatOnly = await buildOfflineData(input({ offlineTokencodes: false }));
    expect(eatOnly).toMatchObject({
      requiresPin: true,
      tokencodes: null,
      tokencodesWithheld: 'DOMAIN_POLICY',
    });
    expect(parseOfflineData(JSON.parse(JSON.stringify(eatOnly)))).toMatchObject({
      tokencodesWithheld: 'DOMAIN_POLICY',
    });
    expect(await verifyOfflinePasscode(eatOnly, PIN + tokencodeAt(at), { at })).toEqual({
      outcome: 'reject',
      method: null,
      reason: 'TOKENCODES_NOT_OFFLINE',
    });
    expect(await verifyOfflinePasscode(eatOnly, PIN + CODE, { at })).toMatchObject({
      outcome: 'accept',
      method: 'emergency-access',
    });
  });
});

describe('checking an Authenticate passcode offline', () => {
  it('gets no tokencode data (they would be online credentials), says why, and takes the emergency code alone', async () => {
    const at = later(5);
    expect(authenticate).toMatchObject({
      requiresPin: false,
      tokencodes: null,
      tokencodesWithheld: 'TOKEN_HAS_NO_PIN',
    });
    expect(await verifyOfflinePasscode(authenticate, tokencodeAt(at), { at })).toEqual({
      outcome: 'reject',
      method: null,
      reason: 'TOKENCODES_NOT_OFFLINE',
    });
    expect(await verifyOfflinePasscode(authenticate, CODE, { at })).toMatchObject({
      outcome: 'accept',
      method: 'emergency-access',
    });
    expect(await verifyOfflinePasscode(authenticate, PIN + CODE, { at })).toMatchObject({
      outcome: 'reject',
    });
  });

  it('a file that gives an Authenticate token tokencodes anyway is refused', () => {
    expect(() =>
      parseOfflineData({ ...authenticate, tokencodes: securid.tokencodes, tokencodesWithheld: null }),
    ).toThrow(/only ever given for tokens with a PIN/);
  });
});

describe('reading offline data', () => {
  it('takes the data or a whole authenticate reply, and refuses damaged data with the reasons', () => {
    expect(parseOfflineData({ outcome: 'accept', method: 'tokencode', offlineData: securid })).toEqual(
      securid,
    );
    const short = {
      ...securid,
      tokencodes: { ...tokencodesOf(securid), residues: tokencodesOf(securid).residues.slice(8) },
    };
    expect(() => parseOfflineData(short)).toThrow(OfflineDataError);
    expect(() => parseOfflineData({ ...securid, format: 'other/1' })).toThrow(/format/);
    expect(() => parseOfflineData({ outcome: 'reject', method: null, offlineData: null })).toThrow(
      OfflineDataError,
    );
  });
});
