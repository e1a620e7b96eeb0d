/**
 * The stolen-laptop attack, run for real on reduced parameters (a PIN space of 30 or 1,000 PINs, a KDF of
 * 1,000 iterations instead of 600,000): an attacker with the offline file and unlimited compute tries to
 * single out the PIN and to compute a passcode that works online. Against the layout before issue 11
 * (format 1, kept in bench/legacy-offline-layout.ts) the attack succeeds; against format 2 every PIN stays
 * exactly as likely as every other, and the best online guess is no better than 1 in |PINs| x 100.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { buildLegacyTokencodes, legacyKey, legacyVerifierOf } from '../../../../bench/legacy-offline-layout';
import {
  buildOfflineTokencodes,
  expectedResidue,
  offlinePadKey,
  offlinePads,
  OFFLINE_RESIDUE_MODULUS,
  type OfflineKeyDerivation,
} from '../../../../shared/domain/offline-data';
import { hotp, verifyTotp } from '../../../../shared/domain/totp';
import { TOKENCODE_FAILURE_LIMIT } from '../../../../shared/domain/lockout';
import { TEST_KDF_COST } from '../../../support/kdf';

const CHEAP_KDF = TEST_KDF_COST;
const SERIAL = '000100000001';
const FROM = new Date('2026-12-01T10:00:00.000Z');
const FIRST_STEP = FROM.getTime() / 60_000;

/** A PIN space the attacker knows the PIN is in: `size` six-digit PINs. */
const pinSpace = (size: number) => Array.from({ length: size }, (_, i) => String(123_000 + i));

describe('the layout before issue 11 (format 1) falls to the attack', () => {
  it('singles out a SecurID PIN and yields tokencodes that are good online', () => {
    const seed = randomBytes(20);
    const pins = pinSpace(30);
    const pin = pins[randomInt(pins.length)]!;
    const digits = 4; // reduced: 10^4 tokencodes a step
    const file = buildLegacyTokencodes({
      seed,
      serial: SERIAL,
      digits,
      pin,
      firstStep: FIRST_STEP,
      count: 120,
      iterations: CHEAP_KDF.iterations,
    });
    const stored = (i: number) => file.verifiers.subarray(i * 4, i * 4 + 4);

    // For each PIN guess: one KDF run, then every tokencode of the first step against its verifier.
    const consistent = pins.filter((guess) => {
      const key = legacyKey(guess, file.salt, file.iterations);
      for (let code = 0; code < 10 ** digits; code++) {
        const tokencode = String(code).padStart(digits, '0');
        if (legacyVerifierOf(key, SERIAL, FIRST_STEP, tokencode).equals(stored(0))) return true;
      }
      return false;
    });
    expect(consistent).toEqual([pin]);

    // With the PIN, a step an hour ahead falls to the same search: the tokencode the server will accept.
    const key = legacyKey(pin, file.salt, file.iterations);
    const ahead = 60;
    const found: string[] = [];
    for (let code = 0; code < 10 ** digits; code++) {
      const tokencode = String(code).padStart(digits, '0');
      if (legacyVerifierOf(key, SERIAL, FIRST_STEP + ahead, tokencode).equals(stored(ahead)))
        found.push(tokencode);
    }
    expect(found).toEqual([hotp(seed, BigInt(FIRST_STEP + ahead), digits)]);
  });

  it('gives an Authenticate token’s tokencodes to anyone holding the file: the key is in it', () => {
    const seed = randomBytes(20);
    const file = buildLegacyTokencodes({
      seed,
      serial: SERIAL,
      digits: 6,
      pin: null,
      firstStep: FIRST_STEP,
      count: 120,
      iterations: 0,
    });
    const ahead = 90;
    const key = legacyKey(null, file.salt, 0);
    const target = file.verifiers.subarray(ahead * 4, ahead * 4 + 4);
    const found: string[] = [];
    for (let code = 0; code < 1_000_000; code++) {
      const tokencode = String(code).padStart(6, '0');
      if (legacyVerifierOf(key, SERIAL, FIRST_STEP + ahead, tokencode).equals(target)) found.push(tokencode);
    }
    expect(found).toHaveLength(1);
    const at = new Date((FIRST_STEP + ahead) * 60_000 + 20_000);
    expect(verifyTotp(seed, found[0]!, at)).toBe(BigInt(FIRST_STEP + ahead));
  }, 60_000);
});

/** A format-2 file of `seed` and `pin`, and each PIN guess's residues of its first day (one KDF run each). */
/** Every guess's pad key: the attacker's one KDF run per PIN, run on all of Node's KDF threads at once. */
async function padKeysOf(key: OfflineKeyDerivation, guesses: string[]): Promise<Map<string, Buffer>> {
  const keys = await Promise.all(
    guesses.map((guess) => offlinePadKey(key, guess, { serial: SERIAL, assignmentEpoch: 0 })),
  );
  return new Map(guesses.map((guess, i) => [guess, keys[i]!]));
}

async function residuesUnderEachPin(seed: Buffer, pin: string): Promise<Map<string, Uint32Array>> {
  const file = await buildOfflineTokencodes(
    { seed, serial: SERIAL, assignmentEpoch: 0, digits: 6, pin, from: FROM, days: 1 },
    CHEAP_KDF.iterations,
  );
  const residues = Buffer.from(file.residues, 'base64');
  const byPin = new Map<string, Uint32Array>();
  const padKeys = await padKeysOf(file.key, pinSpace(1_000));
  for (const [guess, padKey] of padKeys) {
    const pads = offlinePads(padKey, 0, 1440);
    byPin.set(
      guess,
      Uint32Array.from({ length: 1440 }, (_, i) => expectedResidue(residues, i, pads[i]!)),
    );
  }
  return byPin;
}

describe('format 2 resists the same attack', () => {
  const pins = pinSpace(1_000);
  const seed = randomBytes(20);
  const pin = pins[randomInt(pins.length)]!;
  let residues: Buffer;
  let candidatesPerStep: Map<string, number[]>;
  let expected: Map<string, Uint32Array>;
  const count = 1440;

  beforeAll(async () => {
    const file = await buildOfflineTokencodes(
      { seed, serial: SERIAL, assignmentEpoch: 0, digits: 6, pin, from: FROM, days: 1 },
      CHEAP_KDF.iterations,
    );
    residues = Buffer.from(file.residues, 'base64');
    candidatesPerStep = new Map();
    expected = new Map();
    // For each PIN guess: one KDF run, then every step's residue decrypted and every tokencode it allows counted.
    for (const [guess, padKey] of await padKeysOf(file.key, pins)) {
      const pads = offlinePads(padKey, 0, count);
      const residuesUnderGuess = new Uint32Array(count);
      const counts: number[] = [];
      for (let i = 0; i < count; i++) {
        const residue = expectedResidue(residues, i, pads[i]!);
        residuesUnderGuess[i] = residue;
        let candidates = 0;
        for (let code = residue; code < 1_000_000; code += OFFLINE_RESIDUE_MODULUS) candidates += 1;
        counts.push(candidates);
      }
      candidatesPerStep.set(guess, counts);
      expected.set(guess, residuesUnderGuess);
    }
  });

  it('leaves every PIN consistent with the file, each allowing exactly 100 tokencodes a step', () => {
    for (const guess of pins) {
      const counts = candidatesPerStep.get(guess)!;
      // The format-1 test (a step with no candidate rules a PIN out) rules out none.
      expect(counts.every((c) => c > 0)).toBe(true);
      // A count-based test (the true PIN's steps holding one extra match) sees the same total for every PIN.
      expect(counts.reduce((a, b) => a + b, 0)).toBe(100 * count);
    }
  });

  it('lets no statistic of the residues tell the true PIN from the others', async () => {
    // Under the true PIN the residues are the tokencodes' last four digits; under any other, another
    // uniform sequence. Rank every PIN by how far its residues are from uniform (chi-square over 10
    // buckets): the true PIN sits anywhere in the ranking, not at an end. One file puts it within 5 of
    // an end with a chance of 1%, so a file that does is followed by fresh ones: a distinguisher puts it
    // there every time, chance alone three times in a row with 10^-6.
    const chiSquare = (values: Uint32Array) => {
      const buckets = new Array<number>(10).fill(0);
      for (const v of values) buckets[Math.floor(v / 1000)]! += 1;
      const mean = values.length / 10;
      return buckets.reduce((sum, b) => sum + (b - mean) ** 2 / mean, 0);
    };
    const rankOf = (truePin: string, residuesOf: (guess: string) => Uint32Array) => {
      const scores = pins.map((guess) => ({ guess, score: chiSquare(residuesOf(guess)) }));
      scores.sort((a, b) => a.score - b.score);
      return scores.findIndex((s) => s.guess === truePin);
    };
    const atAnEnd = (rank: number) => rank < 5 || rank >= pins.length - 5;
    const ranks = [rankOf(pin, (guess) => expected.get(guess)!)];
    while (atAnEnd(ranks.at(-1)!) && ranks.length < 3) {
      const freshPin = pins[randomInt(pins.length)]!;
      const fresh = await residuesUnderEachPin(randomBytes(20), freshPin);
      ranks.push(rankOf(freshPin, (guess) => fresh.get(guess)!));
    }
    expect(ranks.every(atAnEnd)).toBe(false);
  }, 60_000);

  it('recovers no online credential: within the lockout limit the best guesses win 1 in |PINs| x 100 each', () => {
    const step = 60;
    const truth = hotp(seed, BigInt(FIRST_STEP + step), 6);
    // The true (PIN, tokencode) is among the attacker's candidates, as it must be for the agent to accept it ...
    const mine = expected.get(pin)![step]!;
    expect(Number(truth) % OFFLINE_RESIDUE_MODULUS).toBe(mine);
    // ... and so are 999 x 100 others with exactly the same weight: every PIN allows 100 tokencodes.
    const pairs = pins.reduce((sum, guess) => sum + candidatesPerStep.get(guess)![step]!, 0);
    expect(pairs).toBe(pins.length * 100);
    // The attacker's best play: the lockout limit's worth of distinct pairs. Run it against the online check.
    const guesses = pins.slice(0, TOKENCODE_FAILURE_LIMIT).map((guess) => {
      const residue = expected.get(guess)![step]!;
      return {
        pin: guess,
        tokencode: String(residue + OFFLINE_RESIDUE_MODULUS * randomInt(100)).padStart(6, '0'),
      };
    });
    const at = new Date((FIRST_STEP + step) * 60_000 + 40_000);
    const wins = guesses.filter((g) => g.pin === pin && verifyTotp(seed, g.tokencode, at) !== null);
    // Their chance: 10 / (1,000 x 100) = 10^-4; this run may show it once in 10,000.
    expect(wins.length).toBeLessThanOrEqual(1);
    expect(TOKENCODE_FAILURE_LIMIT / pairs).toBeLessThanOrEqual(1e-4);
  });
});
