import { randomBytes } from 'node:crypto';
import { assignmentEpochOf } from '../domain/assignment';
import type { IssuedEmergencyCode, SecretVerifier, Token } from '../domain/model';
import { requiresPin, type PasscodeReading } from '../domain/passcode';
import { PRODUCT_TOTP, verifyTotp } from '../domain/totp';
import {
  PEPPERED_VERIFIER_ITERATIONS,
  VERIFIER_KEY_BYTES,
  VERIFIER_SALT_BYTES,
  verifySecret,
  type KdfCost,
} from '../domain/verifier';
import type { Pepper, PepperContext } from '../ports/pepper';
import { verifyCode, verifyPin } from './code-verifier';
import type { UseCaseDependencies } from './context';

/** The online checks of a passcode's readings against a token. None says why it failed: only whether. */

export type TokencodeReading = Extract<PasscodeReading, { method: 'tokencode' }>;
export type CodeReading = Extract<PasscodeReading, { method: 'emergency-access' }>;

/**
 * Verifier (KDF) runs of one online authentication: never more than KDF_RUNS_PER_AUTHENTICATION, and
 * exactly that many once `spendTheRest` has run, whoever the user, whatever the passcode: an unknown
 * user, a locked token, a wrong passcode and an accept cost the same CPU, so neither the time nor the
 * load says which user ids exist, and no request can make the function run the KDF more.
 *
 * Three covers one token's worst case (a passcode that reads as tokencode and as emergency code: the
 * code, its PIN and the tokencode's PIN) and a wrong ambiguous passcode against two tokens. A check the
 * budget cannot pay for does not match. The function has one vCPU (1769 MB), so runs cost the same
 * whether they overlap or not.
 *
 * The pepper's MAC calls (KMS GenerateMac) are padded the same way: a PIN's MAC is computed only once its
 * tokencode matched, so without padding a failed login's time (one KMS round trip more) would say that
 * its tokencode was right. Every check goes through `budget.pepper`, and `spendTheRest` makes up the
 * calls to one per run.
 */
export const KDF_RUNS_PER_AUTHENTICATION = 3;

const DECOY_MAC_CONTEXT: PepperContext = {
  purpose: 'pin',
  serial: 'decoy',
  generation: 0,
  assignmentEpoch: 0,
};

export class KdfBudget {
  private used = 0;
  private macs = 0;
  /** The pepper every check of this authentication uses, its calls counted. */
  readonly pepper: Pepper;

  constructor(
    pepper: Pepper,
    /** The cost of every run (verifier.ts); the dependencies' `kdf`. */
    readonly kdf: Readonly<KdfCost>,
    readonly runs = KDF_RUNS_PER_AUTHENTICATION,
  ) {
    this.pepper = {
      mac: (secret, context) => {
        this.macs += 1;
        return pepper.mac(secret, context);
      },
    };
  }

  get spent(): number {
    return this.used;
  }

  /** One check that runs the KDF once, if the budget still pays for one; false otherwise. */
  async run(check: () => Promise<boolean>): Promise<boolean> {
    if (this.used >= this.runs) return false;
    this.used += 1;
    return check();
  }

  /** One verifier check, if the budget still pays for one; false otherwise. */
  verify(secret: string, verifier: SecretVerifier): Promise<boolean> {
    return this.run(() => verifySecret(secret, verifier, this.kdf));
  }

  /**
   * A verifier check's cost with nothing to check (a missing PIN, a wrong tokencode), from the budget: the
   * cost of checking `like` (the token's own PIN verifier, whose cost may be an older, dearer one), or of a
   * peppered verifier's check.
   */
  async spendOne(like: SecretVerifier | null = null): Promise<void> {
    if (this.used >= this.runs) return;
    this.used += 1;
    await spendLikeASecretCheck(this.kdf, like);
  }

  /** Spends what is left, KDF runs and MAC calls, so that every authentication costs the same. */
  async spendTheRest(): Promise<void> {
    while (this.used < this.runs) await this.spendOne();
    while (this.macs < this.runs) {
      const { mac } = await this.pepper.mac(randomBytes(16), DECOY_MAC_CONTEXT);
      mac.fill(0);
    }
  }
}

/**
 * The step a tokencode (with the right PIN) matches, or null. The tokencode (an HMAC) is checked first
 * and the PIN's KDF only for a tokencode that matches: the budget's padding hides which happened.
 */
export async function checkTokencode(
  seed: SealedSeed,
  token: Token,
  reading: TokencodeReading,
  now: Date,
  budget: KdfBudget,
): Promise<number | null> {
  const secret = await seed.get();
  const step = verifyTotp(secret, reading.tokencode, now, { ...PRODUCT_TOTP, digits: token.digits });
  if (step === null) {
    // The PIN check's cost all the same, so the time does not say the tokencode was wrong.
    if (requiresPin(token.kind)) await budget.spendOne(token.pinVerifier);
    return null;
  }
  return (await checkPin(token, reading.pin, budget)) ? Number(step) : null;
}

export async function checkCode(
  token: Token,
  issued: IssuedEmergencyCode,
  reading: CodeReading,
  budget: KdfBudget,
): Promise<boolean> {
  // The code's verifier (peppered: code-verifier.ts) is one KDF run from the budget; its PIN only if it matches.
  const epoch = assignmentEpochOf(token);
  if (!(await budget.run(() => verifyCode(budget, issued, reading.code, epoch)))) return false;
  return checkPin(token, reading.pin, budget);
}

async function checkPin(token: Token, pin: string | null, budget: KdfBudget): Promise<boolean> {
  if (!requiresPin(token.kind)) return pin === null;
  if (pin === null || token.pinVerifier === null) {
    await budget.spendOne(token.pinVerifier);
    return false;
  }
  const verifier = token.pinVerifier;
  return budget.run(() => verifyPin(budget, token.serial, verifier, pin));
}

/**
 * The cost of one verifier check, so that an unknown user, a missing PIN or a wrong tokencode answers no
 * faster: of checking `like` when given (a token's PIN verifier, which may be an older, dearer one), else
 * of a peppered verifier's check. The decoy is random bytes of the verifier's shape: it matches nothing.
 */
export async function spendLikeASecretCheck(
  kdf: Readonly<KdfCost>,
  like: SecretVerifier | null = null,
): Promise<void> {
  const decoy: SecretVerifier = {
    algorithm: 'pbkdf2-sha256',
    iterations: like?.iterations ?? PEPPERED_VERIFIER_ITERATIONS,
    salt: randomBytes(VERIFIER_SALT_BYTES).toString('base64'),
    hash: randomBytes(VERIFIER_KEY_BYTES).toString('base64'),
    ...(like === null ? { pepperKeyId: 'decoy' } : { pepperKeyId: like.pepperKeyId }),
  };
  await verifySecret('not-the-decoy', decoy, kdf);
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
