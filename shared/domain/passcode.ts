import type { TokenKind } from './model';

/**
 * How a passcode is read, online and offline alike (docs/api.md "Passcodes"):
 * - surrounding whitespace is dropped; what is left must be 1 to 64 letters and digits, or it is nothing;
 * - a `securid` passcode is a PIN of 4 to 8 letters and digits followed by the tokencode (the token's 6 or
 *   8 digits) or by the offline emergency code (its known length); an `authenticate` passcode is the
 *   tokencode alone or the emergency code alone;
 * - the split is by length from the end, so a passcode may read both ways (an 8-character code of digits
 *   only, say): then both readings are returned, the tokencode first, and each is checked;
 * - nothing is case-folded: the emergency code is compared exactly as issued.
 */
export const PIN_MIN_LENGTH = 4;
export const PIN_MAX_LENGTH = 8;
export const MAX_PASSCODE_LENGTH = 64;

const ALPHANUMERIC = /^[A-Za-z0-9]+$/;
const DIGITS = /^[0-9]+$/;

export interface PasscodeShape {
  kind: TokenKind;
  digits: 6 | 8;
  /** The length of the emergency code the passcode may hold; null when there is none to try. */
  emergencyCodeLength: number | null;
}

export type PasscodeReading =
  | { method: 'tokencode'; pin: string | null; tokencode: string }
  | { method: 'emergency-access'; pin: string | null; code: string };

export const requiresPin = (kind: TokenKind): boolean => kind === 'securid';

/** Splits `text` into a PIN and a tail of `tailLength`, if it has that shape. */
function split(
  text: string,
  tailLength: number,
  withPin: boolean,
): { pin: string | null; tail: string } | null {
  if (!withPin) return text.length === tailLength ? { pin: null, tail: text } : null;
  const pinLength = text.length - tailLength;
  if (pinLength < PIN_MIN_LENGTH || pinLength > PIN_MAX_LENGTH) return null;
  return { pin: text.slice(0, pinLength), tail: text.slice(pinLength) };
}

/** Every way the passcode can be read for this token, tokencode first; empty when it fits none. */
export function readPasscode(passcode: string, shape: PasscodeShape): PasscodeReading[] {
  const text = passcode.trim();
  if (text.length === 0 || text.length > MAX_PASSCODE_LENGTH || !ALPHANUMERIC.test(text)) return [];
  const withPin = requiresPin(shape.kind);
  const readings: PasscodeReading[] = [];
  const asTokencode = split(text, shape.digits, withPin);
  if (asTokencode !== null && DIGITS.test(asTokencode.tail)) {
    readings.push({ method: 'tokencode', pin: asTokencode.pin, tokencode: asTokencode.tail });
  }
  if (shape.emergencyCodeLength !== null) {
    const asCode = split(text, shape.emergencyCodeLength, withPin);
    if (asCode !== null) readings.push({ method: 'emergency-access', pin: asCode.pin, code: asCode.tail });
  }
  return readings;
}

/** What an offline emergency code verifier is made over: the PIN then the code, or the code alone. */
export function emergencyPasscodeOf(pin: string | null, code: string): string {
  return `${pin ?? ''}${code}`;
}
