import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { ValidationError } from '../../../../shared/domain/errors';
import {
  alphabetOf,
  emergencyCodeFormatProblems,
  entropyBitsOf,
  generateEmergencyCode,
  sampleCharacters,
} from '../../../../shared/domain/emergency-code';
import type { CharacterClass, EmergencyCodeFormat } from '../../../../shared/domain/model';

const CLASSES: CharacterClass[] = ['digits', 'uppercase', 'lowercase'];

const acceptableFormat = fc
  .record({
    length: fc.integer({ min: 8, max: 24 }),
    characterClasses: fc.subarray(CLASSES, { minLength: 1 }),
  })
  .filter((f) => entropyBitsOf(f) >= 40);

describe('offline emergency codes', () => {
  it('have the alphabet and length the format promises', () => {
    fc.assert(
      fc.property(acceptableFormat, (format) => {
        const code = generateEmergencyCode(format);
        const alphabet = alphabetOf(format);
        expect(code).toHaveLength(format.length);
        for (const char of code) expect(alphabet).toContain(char);
      }),
    );
  });

  it('leave out characters that read alike', () => {
    const alphabet = alphabetOf({ length: 8, characterClasses: CLASSES });
    for (const ambiguous of '01OIl') expect(alphabet).not.toContain(ambiguous);
  });

  it('refuse a format under 40 bits, and say why', () => {
    const weak: EmergencyCodeFormat = { length: 12, characterClasses: ['digits'] }; // 12 * log2(8) = 36 bits
    expect(entropyBitsOf(weak)).toBeLessThan(40);
    expect(() => generateEmergencyCode(weak)).toThrow(ValidationError);
    expect(emergencyCodeFormatProblems(weak).join()).toMatch(/40/);
    expect(emergencyCodeFormatProblems({ length: 7, characterClasses: CLASSES })).not.toEqual([]);
    expect(emergencyCodeFormatProblems({ length: 25, characterClasses: CLASSES })).not.toEqual([]);
    expect(emergencyCodeFormatProblems({ length: 10, characterClasses: [] })).not.toEqual([]);
    expect(emergencyCodeFormatProblems({ length: 8, characterClasses: ['uppercase', 'digits'] })).toEqual([]);
  });

  it('map every byte value onto the alphabet evenly, throwing away the excess (no modulo bias)', () => {
    // Feed every byte value 0..255 once: each character must be chosen by exactly floor(256 / n) of them.
    for (const format of [
      { length: 8, characterClasses: ['uppercase', 'digits'] as CharacterClass[] },
      { length: 8, characterClasses: CLASSES },
      { length: 16, characterClasses: ['digits'] as CharacterClass[] },
      { length: 10, characterClasses: ['uppercase'] as CharacterClass[] },
    ]) {
      const alphabet = alphabetOf(format);
      const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
      let served = false;
      const source = (size: number) => {
        if (served) return new Uint8Array(size); // only zeros afterwards: the first character again
        served = true;
        return everyByte;
      };
      const sampled = sampleCharacters(alphabet, 256, source);
      const counts = new Map<string, number>();
      const accepted = sampled.slice(0, 256 - (256 % alphabet.length));
      for (const char of accepted) counts.set(char, (counts.get(char) ?? 0) + 1);
      const expected = Math.floor(256 / alphabet.length);
      for (const char of alphabet) expect(counts.get(char)).toBe(expected);
    }
  });

  it('are uniform over many draws (chi-squared under the 0.01% critical value)', () => {
    // 57 characters: 256 % 57 = 28, so a modulo mapping would make 28 of them 25% more frequent.
    const format: EmergencyCodeFormat = { length: 24, characterClasses: CLASSES };
    const alphabet = alphabetOf(format);
    expect(alphabet).toHaveLength(57);
    const counts = new Map<string, number>();
    const draws = 4000;
    for (let i = 0; i < draws; i++) {
      for (const char of generateEmergencyCode(format)) counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    const total = draws * format.length;
    const expected = total / alphabet.length;
    let chi2 = 0;
    for (const char of alphabet) chi2 += ((counts.get(char) ?? 0) - expected) ** 2 / expected;
    // 56 degrees of freedom: the 0.01% critical value is about 104.3 (a biased mapping scores in the thousands).
    expect(chi2).toBeLessThan(104.3);
  });

  it('come from the CSPRNG by default (two codes differ)', () => {
    const format: EmergencyCodeFormat = { length: 12, characterClasses: CLASSES };
    expect(generateEmergencyCode(format)).not.toBe(generateEmergencyCode(format));
    expect(generateEmergencyCode(format, (n) => randomBytes(n))).toHaveLength(12);
  });
});
