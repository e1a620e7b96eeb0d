import type { IssuedEmergencyCode, SecretVerifier } from '../domain/model';
import { createPepperedVerifier, verifySecret } from '../domain/verifier';
import type { PepperContext } from '../ports/pepper';
import type { UseCaseDependencies } from './context';

/**
 * The stored verifier of an offline emergency code: PBKDF2 (verifier.ts, at the peppered iteration count) over the code's MAC under the
 * pepper key, which never leaves KMS. A verifier read from a table backup is then no use without calling
 * KMS once per guess (and a 60-bit code is 2^59 guesses on average). The offline file's verifier cannot be
 * peppered (the agent has no KMS): it is over the PIN and the code (offline-data.ts).
 *
 * A verifier without `pepperKeyId` (issued before the pepper) or with another key's id never matches: a
 * reset issues a peppered code. Nor does one checked under another assignment epoch than it was issued
 * for (shared/domain/assignment.ts): a code of the token's previous user is refused online.
 */
const contextOf = (serial: string, generation: number, assignmentEpoch: number): PepperContext => ({
  purpose: 'offline-eat',
  serial,
  generation,
  assignmentEpoch,
});

type VerifierDependencies = Pick<UseCaseDependencies, 'pepper' | 'kdf'>;
type PepperDependencies = Pick<UseCaseDependencies, 'pepper'>;

async function peppered(
  deps: Pick<UseCaseDependencies, 'pepper'>,
  code: string,
  context: PepperContext,
): Promise<{ text: string; keyId: string }> {
  const secret = Buffer.from(code, 'utf8');
  try {
    const { mac, keyId } = await deps.pepper.mac(secret, context);
    try {
      return { text: mac.toString('base64'), keyId };
    } finally {
      mac.fill(0);
    }
  } finally {
    secret.fill(0);
  }
}

/**
 * A token's PIN verifier, peppered as codes are (purpose `pin`, bound to the serial), so that a table
 * backup's PIN verifiers cannot be searched without KMS: a six-digit PIN would otherwise fall in about a
 * minute of GPU time. Made whenever a PIN is set.
 */
export async function createPinVerifier(
  deps: PepperDependencies,
  serial: string,
  pin: string,
): Promise<SecretVerifier> {
  const { text, keyId } = await peppered(deps, pin, pinContextOf(serial));
  return createPepperedVerifier(text, keyId);
}

/**
 * Checks a PIN. A verifier from before PINs were peppered (no `pepperKeyId`) is still checked over the
 * PIN itself, until the PIN is next set; a peppered one only through the pepper key it names.
 */
export async function verifyPin(
  deps: VerifierDependencies,
  serial: string,
  verifier: SecretVerifier,
  pin: string,
): Promise<boolean> {
  if (verifier.pepperKeyId === undefined) return verifySecret(pin, verifier, deps.kdf);
  const { text, keyId } = await peppered(deps, pin, pinContextOf(serial));
  const matches = await verifySecret(text, verifier, deps.kdf);
  return matches && verifier.pepperKeyId === keyId;
}

const pinContextOf = (serial: string): PepperContext => ({
  purpose: 'pin',
  serial,
  generation: 0,
  assignmentEpoch: 0,
});

export async function createCodeVerifier(
  deps: PepperDependencies,
  serial: string,
  generation: number,
  code: string,
  assignmentEpoch: number,
): Promise<SecretVerifier> {
  const { text, keyId } = await peppered(deps, code, contextOf(serial, generation, assignmentEpoch));
  return createPepperedVerifier(text, keyId);
}

export async function verifyCode(
  deps: VerifierDependencies,
  issued: Pick<IssuedEmergencyCode, 'serial' | 'generation' | 'verifier'>,
  code: string,
  /** The token's current epoch: a code issued for another one does not match. */
  assignmentEpoch: number,
): Promise<boolean> {
  const verifier = issued.verifier;
  if (verifier === null) return false;
  const context = contextOf(issued.serial, issued.generation, assignmentEpoch);
  const { text, keyId } = await peppered(deps, code, context);
  // The same work whatever the verifier, so the time taken says nothing about it.
  const matches = await verifySecret(text, verifier, deps.kdf);
  return matches && verifier.pepperKeyId === keyId;
}
