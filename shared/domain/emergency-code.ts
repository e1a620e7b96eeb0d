import { randomBytes } from 'node:crypto';
import { ValidationError } from './errors';
import type { CharacterClass, EmergencyCodeFormat } from './model';

/** Characters that read alike (0/O, 1/I/l) are left out so a code read over the phone is typed right. */
const CHARACTERS: Record<CharacterClass, string> = {
  digits: '23456789',
  uppercase: 'ABCDEFGHJKLMNPQRSTUVWXYZ',
  lowercase: 'abcdefghijkmnopqrstuvwxyz',
};

export const MIN_CODE_LENGTH = 8;
export const MAX_CODE_LENGTH = 24;
/** A domain's code format never gives fewer than 40 bits of entropy. */
export const MIN_CODE_ENTROPY_BITS = 40;

export function alphabetOf(format: EmergencyCodeFormat): string {
  const classes = (['digits', 'uppercase', 'lowercase'] as const).filter((c) =>
    format.characterClasses.includes(c),
  );
  return classes.map((c) => CHARACTERS[c]).join('');
}

export function entropyBitsOf(format: EmergencyCodeFormat): number {
  const size = alphabetOf(format).length;
  return size === 0 ? 0 : format.length * Math.log2(size);
}

/** Every reason the format is unacceptable; empty when it is fine. */
export function emergencyCodeFormatProblems(format: EmergencyCodeFormat): string[] {
  const problems: string[] = [];
  if (
    !Number.isInteger(format.length) ||
    format.length < MIN_CODE_LENGTH ||
    format.length > MAX_CODE_LENGTH
  ) {
    problems.push(`length must be an integer from ${MIN_CODE_LENGTH} to ${MAX_CODE_LENGTH}`);
  }
  const known = Object.keys(CHARACTERS);
  const unknown = format.characterClasses.filter((c) => !known.includes(c));
  if (unknown.length > 0) problems.push(`unknown character classes: ${unknown.join(', ')}`);
  if (format.characterClasses.length === 0) problems.push('at least one character class is needed');
  const bits = entropyBitsOf(format);
  if (problems.length === 0 && bits < MIN_CODE_ENTROPY_BITS) {
    problems.push(
      `the format gives ${bits.toFixed(1)} bits of entropy; at least ${MIN_CODE_ENTROPY_BITS} are needed`,
    );
  }
  return problems;
}

export type RandomSource = (size: number) => Uint8Array;

/**
 * Maps uniformly random bytes onto the alphabet by rejection sampling: a byte at or above the largest
 * multiple of the alphabet's size is thrown away, so every character is exactly equally likely (a plain
 * `byte % size` would favour the first 256 % size characters).
 */
export function sampleCharacters(alphabet: string, length: number, random: RandomSource): string {
  const size = alphabet.length;
  if (size < 2 || size > 256) throw new RangeError('alphabet size must be 2 to 256');
  const limit = 256 - (256 % size);
  let code = '';
  while (code.length < length) {
    for (const byte of random(length * 2)) {
      if (byte >= limit) continue;
      code += alphabet[byte % size];
      if (code.length === length) break;
    }
  }
  return code;
}

/** A new offline emergency code from the CSPRNG, in the domain's format. Refuses a weak format. */
export function generateEmergencyCode(
  format: EmergencyCodeFormat,
  random: RandomSource = randomBytes,
): string {
  const problems = emergencyCodeFormatProblems(format);
  if (problems.length > 0) throw new ValidationError('The emergency code format is not acceptable', problems);
  return sampleCharacters(alphabetOf(format), format.length, random);
}
