import { decodeBase32, hotp, totp, verifyTotp, type TotpAlgorithm } from '../../../shared/domain/totp';

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

  describe('verification with a drift window of one step', () => {
    const seed = decodeBase32('JBSWY3DPEHPK3PXP');
    const at = new Date(1_800_000_030_000);
    const step = BigInt(Math.floor(at.getTime() / 60_000));

    it('accepts the current, previous and next step and says which', () => {
      for (const offset of [-1n, 0n, 1n]) {
        expect(verifyTotp(seed, hotp(seed, step + offset, 6), at)).toBe(step + offset);
      }
    });

    it('refuses two steps away, a wrong code and a code of the wrong length', () => {
      expect(verifyTotp(seed, hotp(seed, step + 2n, 6), at)).toBeNull();
      expect(verifyTotp(seed, hotp(seed, step - 2n, 6), at)).toBeNull();
      const right = hotp(seed, step, 6);
      const wrong = right.slice(0, 5) + String((Number(right[5]) + 1) % 10);
      expect(verifyTotp(seed, wrong, at)).toBeNull();
      expect(verifyTotp(seed, right + '0', at)).toBeNull();
      expect(verifyTotp(seed, '', at)).toBeNull();
    });
  });

  it('decodes base32 seeds (RFC 4648 test vectors)', () => {
    expect(decodeBase32('MZXW6YTBOI======').toString()).toBe('foobar');
    expect(decodeBase32('mzxw 6ytb oi').toString()).toBe('foobar');
    expect(() => decodeBase32('M1')).toThrow(RangeError);
  });
});
