import type { IssuedEmergencyCode, SecretVerifier, Token } from '../domain/model';
import { requiresPin, type PasscodeReading } from '../domain/passcode';
import { PRODUCT_TOTP, verifyTotp } from '../domain/totp';
import { createVerifier, verifySecret } from '../domain/verifier';
import { verifyCode } from './code-verifier';
import type { UseCaseDependencies } from './context';

/** The online checks of a passcode's readings against a token. None says why it failed: only whether. */

export type TokencodeReading = Extract<PasscodeReading, { method: 'tokencode' }>;
export type CodeReading = Extract<PasscodeReading, { method: 'emergency-access' }>;

/** The step a tokencode (with the right PIN) matches, or null. The PIN is checked whatever the tokencode. */
export async function checkTokencode(
  seed: SealedSeed,
  token: Token,
  reading: TokencodeReading,
  now: Date,
): Promise<number | null> {
  const [secret, pinMatches] = await Promise.all([seed.get(), checkPin(token, reading.pin)]);
  const step = verifyTotp(secret, reading.tokencode, now, { ...PRODUCT_TOTP, digits: token.digits });
  return pinMatches && step !== null ? Number(step) : null;
}

export async function checkCode(
  deps: Pick<UseCaseDependencies, 'pepper'>,
  token: Token,
  issued: IssuedEmergencyCode,
  reading: CodeReading,
): Promise<boolean> {
  const [codeMatches, pinMatches] = await Promise.all([
    verifyCode(deps, issued, reading.code),
    checkPin(token, reading.pin),
  ]);
  return codeMatches && pinMatches;
}

async function checkPin(token: Token, pin: string | null): Promise<boolean> {
  if (!requiresPin(token.kind)) return pin === null;
  if (pin === null || token.pinVerifier === null) {
    await spendLikeASecretCheck();
    return false;
  }
  return verifySecret(pin, token.pinVerifier);
}

let decoy: Promise<SecretVerifier> | undefined;

/** The cost of one verifier check, so that an unknown user or a missing PIN answers no faster. */
export async function spendLikeASecretCheck(): Promise<void> {
  decoy ??= createVerifier('decoy');
  await verifySecret('not-the-decoy', await decoy);
}

/** The token's TOTP seed, opened once on first use and wiped at the end of the attempt. */
export class SealedSeed {
  private opened: Promise<Buffer> | undefined;

  constructor(
    private readonly deps: UseCaseDependencies,
    private readonly token: Token,
  ) {}

  get(): Promise<Buffer> {
    this.opened ??= this.deps.sealer.open(this.token.sealedSeed, {
      purpose: 'totp-seed',
      serial: this.token.serial,
      generation: 0,
    });
    return this.opened;
  }

  async wipe(): Promise<void> {
    const seed = await this.opened?.catch(() => undefined);
    seed?.fill(0);
  }
}
