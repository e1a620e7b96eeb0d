import { randomBytes } from 'node:crypto';
import { hotpSeries } from '../../../../shared/domain/hotp-series';
import {
  acceptableSteps,
  acceptanceSecondsOf,
  ACCEPTANCE_WINDOW,
  decodeBase32,
  hotp,
  totp,
  verifyTotp,
  type TotpAlgorithm,
} from '../../../../shared/domain/totp';

// RFC 6238 Appendix B: 8 digits, 30-second steps, a seed per algorithm (the ASCII digits repeated).
const SEEDS: Record<TotpAlgorithm, Buffer> = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
};

const RFC6238_VECTORS: [number, string, TotpAlgorithm][] = [
  [59, '94287082', 'sha1'],
  [59, '46119246', 'sha256'],
  [59, '90693936', 'sha512'],
  [1111111109, '07081804', 'sha1'],
  [1111111109, '68084774', 'sha256'],
  [1111111109, '25091201', 'sha512'],
  [1111111111, '14050471', 'sha1'],
  [1111111111, '67062674', 'sha256'],
  [1111111111, '99943326', 'sha512'],
  [1234567890, '89005924', 'sha1'],
  [1234567890, '91819424', 'sha256'],
  [1234567890, '93441116', 'sha512'],
  [2000000000, '69279037', 'sha1'],
  [2000000000, '90698825', 'sha256'],
  [2000000000, '38618901', 'sha512'],
  [20000000000, '65353130', 'sha1'],
  [20000000000, '77737706', 'sha256'],
  [20000000000, '47863826', 'sha512'],
];

describe('TOTP (RFC 6238)', () => {
  it.each(RFC6238_VECTORS)('at %i s gives %s with %s', (seconds, expected, algorithm) => {
    const at = new Date(seconds * 1000);
    expect(totp(SEEDS[algorithm], at, { digits: 8, stepSeconds: 30, algorithm })).toBe(expected);
  });

  it('matches RFC 4226 Appendix D HOTP values', () => {
    const expected = [
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ];
    expected.forEach((code, counter) => expect(hotp(SEEDS.sha1, BigInt(counter), 6)).toBe(code));
  });

  it('uses 60-second steps and 6 digits by default', () => {
    const seed = SEEDS.sha1;
    const at = new Date(1_800_000_000_000);
    expect(totp(seed, at)).toBe(hotp(seed, BigInt(Math.floor(1_800_000_000 / 60)), 6));
    expect(totp(seed, at)).toHaveLength(6);
  });

  describe('verification: each tokencode accepted 105 s (15 s lead, its 60 s step, 30 s grace)', () => {
    const seed = decodeBase32('JBSWY3DPEHPK3PXP');
    const stepStart = 1_800_000_000_000 - (1_800_000_000_000 % 60_000);
    const step = BigInt(stepStart / 60_000);
    const code = hotp(seed, step, 6);
    const at = (seconds: number) => new Date(stepStart + seconds * 1000);

    it('accepts a step from 15 s before it starts to 30 s after it ends, and says which', () => {
      for (const seconds of [-15, -1, 0, 30, 59, 60, 89.999]) {
        expect(verifyTotp(seed, code, at(seconds))).toBe(step);
      }
    });

    it('refuses it earlier and later, so no code lives 2 minutes and at most two steps are open at once', () => {
      expect(verifyTotp(seed, code, at(-15.001))).toBeNull();
      expect(verifyTotp(seed, code, at(90))).toBeNull();
      expect(acceptanceSecondsOf(60, ACCEPTANCE_WINDOW)).toBe(105);
      for (let ms = 0; ms < 60_000; ms += 500) {
        expect(acceptableSteps(new Date(stepStart + ms), 60, ACCEPTANCE_WINDOW).length).toBeLessThanOrEqual(
          2,
        );
      }
      expect(acceptableSteps(at(10), 60, ACCEPTANCE_WINDOW)).toEqual([step - 1n, step]);
      expect(acceptableSteps(at(40), 60, ACCEPTANCE_WINDOW)).toEqual([step]);
      expect(acceptableSteps(at(50), 60, ACCEPTANCE_WINDOW)).toEqual([step, step + 1n]);
    });

    it('refuses a wrong code and a code of the wrong length', () => {
      const wrong = code.slice(0, 5) + String((Number(code[5]) + 1) % 10);
      expect(verifyTotp(seed, wrong, at(10))).toBeNull();
      expect(verifyTotp(seed, code + '0', at(10))).toBeNull();
      expect(verifyTotp(seed, '', at(10))).toBeNull();
    });
  });

  it('computes a run of HOTP values as the reference does, for every seed length and large counters', () => {
    for (const length of [16, 20, 32, 64, 65, 100]) {
      const seed = randomBytes(length);
      for (const [first, digits] of [
        [29_000_000, 6],
        [2 ** 32 - 3, 8],
        [0, 6],
      ] as const) {
        const run = hotpSeries(seed, first, 40, digits);
        run.forEach((value, i) =>
          expect(String(value).padStart(digits, '0')).toBe(hotp(seed, BigInt(first + i), digits)),
        );
      }
    }
  });

  it('decodes base32 seeds (RFC 4648 test vectors)', () => {
    expect(decodeBase32('MZXW6YTBOI======').toString()).toBe('foobar');
    expect(decodeBase32('mzxw 6ytb oi').toString()).toBe('foobar');
    expect(() => decodeBase32('M1')).toThrow(RangeError);
  });
});
