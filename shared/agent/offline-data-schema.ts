import * as z from 'zod/mini';
import {
  SCRYPT_BLOCK_SIZE,
  SCRYPT_MAX_COST,
  SCRYPT_MIN_COST,
  SCRYPT_PARALLELIZATION,
  scryptCostWithinBounds,
} from '../domain/memory-hard-kdf';
import {
  OFFLINE_DATA_FORMATS,
  OFFLINE_RESIDUE_BYTES,
  OFFLINE_RESIDUE_MODULUS,
  OFFLINE_TOKENCODE_ALGORITHM,
  type OfflineData,
} from '../domain/offline-data';
import { MAX_OFFLINE_DAYS } from '../domain/policy';
import { ACCEPTANCE_WINDOW } from '../domain/totp';
import { PRODUCTION_KDF_COST, VERIFIER_MAX_SALT_BYTES, type KdfCost } from '../domain/verifier';
import '../zod-messages';

/**
 * The offline data file (shared/domain/offline-data.ts), as the agent reads it and as the API documents
 * it. Unknown fields are ignored, so a newer server may add some. What could make the agent slow or
 * lenient is bounded here, so a tampered file is refused whole: KDF iterations (PBKDF2) or cost (scrypt)
 * between the floor and the ceiling, salts of 16 to 64 bytes, an acceptance window no wider than the
 * product's. Format 2 files (PBKDF2) are read as well as format 3 (scrypt).
 */
const base64 = z.string().check(z.regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64'));
const isoTime = z.iso.datetime();
const salt = base64.check(
  z.refine((s) => {
    const bytes = Buffer.from(s, 'base64').length;
    return bytes >= 16 && bytes <= VERIFIER_MAX_SALT_BYTES;
  }, `a salt of 16 to ${VERIFIER_MAX_SALT_BYTES} bytes`),
);

const scryptParameters = {
  cost: z
    .int()
    .check(
      z.gte(SCRYPT_MIN_COST),
      z.lte(SCRYPT_MAX_COST),
      z.refine(scryptCostWithinBounds, 'a scrypt cost is a power of two'),
    ),
  blockSize: z.literal(SCRYPT_BLOCK_SIZE),
  parallelization: z.literal(SCRYPT_PARALLELIZATION),
};

/**
 * The file's schema with PBKDF2 iterations within `cost`'s floor and ceiling: production's is
 * `offlineDataSchema`; tests that run the product at a cheap KDF read their files with theirs.
 */
export function offlineDataSchemaOf(cost: Readonly<KdfCost>) {
  const iterations = z.int().check(z.gte(cost.floor), z.lte(cost.ceiling));

  const offlineKeyDerivationSchema = z.discriminatedUnion('derivation', [
    z.object({ derivation: z.literal('pbkdf2-sha256'), iterations, salt }),
    z.object({ derivation: z.literal('scrypt'), ...scryptParameters, salt }),
  ]);

  const offlineTokencodesSchema = z
    .object({
      algorithm: z.literal(OFFLINE_TOKENCODE_ALGORITHM),
      digits: z.union([z.literal(6), z.literal(8)]),
      stepSeconds: z.literal(60),
      acceptance: z.object({
        leadSeconds: z.int().check(z.gte(0), z.lte(ACCEPTANCE_WINDOW.leadSeconds)),
        graceSeconds: z.int().check(z.gte(0), z.lte(ACCEPTANCE_WINDOW.graceSeconds)),
      }),
      firstStep: z.int().check(z.nonnegative()),
      count: z.int().check(z.gte(1), z.lte((MAX_OFFLINE_DAYS * 86_400) / 60)),
      modulus: z.literal(OFFLINE_RESIDUE_MODULUS),
      key: offlineKeyDerivationSchema,
      residues: base64,
    })
    .check(
      z.refine((t) => Buffer.from(t.residues, 'base64').length === t.count * OFFLINE_RESIDUE_BYTES, {
        message: `residues must hold count x ${OFFLINE_RESIDUE_BYTES} bytes`,
        path: ['residues'],
      }),
    );

  const secretVerifierSchema = z.discriminatedUnion('algorithm', [
    z.object({ algorithm: z.literal('pbkdf2-sha256'), iterations, salt, hash: base64 }),
    z.object({ algorithm: z.literal('scrypt'), ...scryptParameters, salt, hash: base64 }),
  ]);

  const offlineEmergencyAccessSchema = z.object({
    generation: z.int().check(z.gte(1)),
    issueId: z.nullable(z.string().check(z.maxLength(128))),
    expiresAt: isoTime,
    codeLength: z.int().check(z.gte(1), z.lte(64)),
    singleUse: z.boolean(),
    verifier: secretVerifierSchema,
  });

  return z
    .object({
      format: z.enum(OFFLINE_DATA_FORMATS),
      userId: z.string(),
      serial: z.string(),
      kind: z.enum(['securid', 'authenticate']),
      requiresPin: z.boolean(),
      digits: z.union([z.literal(6), z.literal(8)]),
      agentId: z.string(),
      // Absent in data made before assignment epochs: epoch 0, derived as before.
      assignmentEpoch: z._default(z.int().check(z.gte(0), z.lte(2 ** 31)), 0),
      issuedAt: isoTime,
      validUntil: isoTime,
      days: z.int().check(z.gte(1), z.lte(MAX_OFFLINE_DAYS)),
      tokencodes: z.nullable(offlineTokencodesSchema),
      tokencodesWithheld: z.nullable(z.enum(['TOKEN_HAS_NO_PIN', 'DOMAIN_POLICY'])),
      emergencyAccess: z.nullable(offlineEmergencyAccessSchema),
    })
    .check(
      z.refine((d) => (d.tokencodes === null) !== (d.tokencodesWithheld === null), {
        message: 'either tokencodes or the reason they are withheld',
        path: ['tokencodesWithheld'],
      }),
      z.refine((d) => d.tokencodes === null || d.requiresPin, {
        message: 'tokencodes are only ever given for tokens with a PIN',
        path: ['tokencodes'],
      }),
    ) satisfies z.ZodMiniType<OfflineData, unknown>;
}

export const offlineDataSchema = offlineDataSchemaOf(PRODUCTION_KDF_COST);
