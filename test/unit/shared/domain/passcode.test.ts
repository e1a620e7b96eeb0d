import fc from 'fast-check';
import {
  MAX_PASSCODE_LENGTH,
  PIN_MAX_LENGTH,
  PIN_MIN_LENGTH,
  readPasscode,
  type PasscodeShape,
} from '../../../../shared/domain/passcode';

const SECURID: PasscodeShape = { kind: 'securid', digits: 6, emergencyCodeLength: 8 };
const AUTHENTICATE: PasscodeShape = { kind: 'authenticate', digits: 6, emergencyCodeLength: 8 };

describe('reading a passcode', () => {
  it('reads a SecurID passcode as PIN then tokencode, or PIN then emergency code, by length from the end', () => {
    expect(readPasscode('2468123456', SECURID)).toEqual([
      { method: 'tokencode', pin: '2468', tokencode: '123456' },
    ]);
    expect(readPasscode('2468K7QM2XHP', SECURID)).toEqual([
      { method: 'emergency-access', pin: '2468', code: 'K7QM2XHP' },
    ]);
    expect(readPasscode('abcdEFGH123456', SECURID)).toEqual([
      { method: 'tokencode', pin: 'abcdEFGH', tokencode: '123456' },
      { method: 'emergency-access', pin: 'abcdEF', code: 'GH123456' },
    ]);
  });

  it('needs a PIN of 4 to 8 letters and digits for SecurID', () => {
    expect(PIN_MIN_LENGTH).toBe(4);
    expect(PIN_MAX_LENGTH).toBe(8);
    const tokencodeOnly = { ...SECURID, emergencyCodeLength: null };
    expect(readPasscode('123456', SECURID)).toEqual([]); // tokencode alone
    expect(readPasscode('246123456', tokencodeOnly)).toEqual([]); // 3-character PIN
    expect(readPasscode('12345678123456', tokencodeOnly)).toHaveLength(1); // 8-character PIN
    expect(readPasscode('123456789123456', tokencodeOnly)).toEqual([]); // 9-character PIN
    expect(readPasscode('246K7QM2XHP', SECURID)).toEqual([]); // 3-character PIN
    expect(readPasscode('K7QM2XHP', SECURID)).toEqual([]); // emergency code alone
  });

  it('reads an Authenticate passcode as the tokencode alone or the emergency code alone', () => {
    expect(readPasscode('123456', AUTHENTICATE)).toEqual([
      { method: 'tokencode', pin: null, tokencode: '123456' },
    ]);
    expect(readPasscode('K7QM2XHP', AUTHENTICATE)).toEqual([
      { method: 'emergency-access', pin: null, code: 'K7QM2XHP' },
    ]);
    expect(readPasscode('2468123456', AUTHENTICATE)).toEqual([]);
    expect(readPasscode('2468K7QM2XHP', AUTHENTICATE)).toEqual([]);
  });

  it('gives both readings, tokencode first, when the passcode fits both', () => {
    const eightDigits: PasscodeShape = { kind: 'authenticate', digits: 8, emergencyCodeLength: 8 };
    expect(readPasscode('23456789', eightDigits)).toEqual([
      { method: 'tokencode', pin: null, tokencode: '23456789' },
      { method: 'emergency-access', pin: null, code: '23456789' },
    ]);
  });

  it('offers no emergency code reading when there is no code to try', () => {
    expect(readPasscode('2468K7QM2XHP', { ...SECURID, emergencyCodeLength: null })).toEqual([]);
    expect(readPasscode('K7QM2XHP', { ...AUTHENTICATE, emergencyCodeLength: null })).toEqual([]);
  });

  it('drops surrounding whitespace only, folds no case, and refuses anything else', () => {
    expect(readPasscode('  2468123456\n', SECURID)).toHaveLength(1);
    expect(readPasscode('2468 123456', SECURID)).toEqual([]);
    expect(readPasscode('2468-123456', SECURID)).toEqual([]);
    expect(readPasscode('24681234é6', SECURID)).toEqual([]);
    expect(readPasscode('', SECURID)).toEqual([]);
    expect(readPasscode('2468k7qm2xhp', SECURID)).toEqual([
      { method: 'emergency-access', pin: '2468', code: 'k7qm2xhp' },
    ]);
    const tooLong: PasscodeShape = {
      kind: 'authenticate',
      digits: 6,
      emergencyCodeLength: MAX_PASSCODE_LENGTH + 1,
    };
    expect(readPasscode('A'.repeat(MAX_PASSCODE_LENGTH + 1), tooLong)).toEqual([]);
  });

  it('always finds the PIN and the tokencode or code it was built from', () => {
    const alnum = fc.constantFrom(...'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'.split(''));
    const digit = fc.constantFrom(...'0123456789'.split(''));
    fc.assert(
      fc.property(
        fc.string({ unit: alnum, minLength: PIN_MIN_LENGTH, maxLength: PIN_MAX_LENGTH }),
        fc.constantFrom<6 | 8>(6, 8),
        fc.string({ unit: digit, minLength: 8, maxLength: 8 }),
        fc.string({ unit: alnum, minLength: 8, maxLength: 24 }),
        (pin, digits, tokencodeDigits, code) => {
          const tokencode = tokencodeDigits.slice(0, digits);
          const shape: PasscodeShape = { kind: 'securid', digits, emergencyCodeLength: code.length };
          expect(readPasscode(pin + tokencode, shape)).toContainEqual({
            method: 'tokencode',
            pin,
            tokencode,
          });
          expect(readPasscode(pin + code, shape)).toContainEqual({ method: 'emergency-access', pin, code });
        },
      ),
    );
  });
});
