/**
 * A keyed hash whose key never leaves the key service: KMS GenerateMac under an HMAC key (AWS), HMAC-SHA256
 * under a local key file (`npm start`, unit tests). Secrets stored as verifiers are peppered with it
 * before the KDF (NIST SP 800-63B 5.1.2.2: look-up secrets hashed with a salt and a key kept apart), so a
 * verifier read from a table backup cannot be searched without calling the key service, which CloudTrail
 * records and IAM restricts.
 *
 * The message is bound to what the secret belongs to, as sealing is: a MAC of one token's code is of no
 * use for another token or generation. Failures are AppErrors, as the sealer's are.
 */
export type PepperPurpose = 'offline-eat' | 'pin';

export interface PepperContext {
  purpose: PepperPurpose;
  serial: string;
  generation: number;
  /** The token's assignment epoch (shared/domain/assignment.ts); 0 is bound as before epochs existed. */
  assignmentEpoch: number;
}

export interface PepperedSecret {
  mac: Buffer;
  /** Which key peppered: stored with each verifier, so that a change of key is noticed. */
  keyId: string;
}

export interface Pepper {
  mac(secret: Uint8Array, context: PepperContext): Promise<PepperedSecret>;
}

const LABEL = 'eat-pepper/1';
/** With an assignment epoch above 0: another label, so no message of one layout is one of the other. */
const EPOCH_LABEL = 'eat-pepper/2';

/** The message both adapters MAC: a label, the context, then the secret. */
export function pepperMessageOf(secret: Uint8Array, context: PepperContext): Buffer {
  const { purpose, serial, generation, assignmentEpoch } = context;
  const head =
    assignmentEpoch === 0
      ? `${LABEL}\0${purpose}\0${serial}\0${generation}\0`
      : `${EPOCH_LABEL}\0${purpose}\0${serial}\0${generation}\0${assignmentEpoch}\0`;
  return Buffer.concat([Buffer.from(head, 'utf8'), secret]);
}
