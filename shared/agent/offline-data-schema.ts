import { z } from 'zod';
import {
  OFFLINE_DATA_FORMAT,
  OFFLINE_TOKENCODE_ALGORITHM,
  OFFLINE_VERIFIER_BYTES,
  type OfflineData,
} from '../domain/offline-data';
import { MAX_OFFLINE_DAYS } from '../domain/policy';

/**
 * The offline data file (shared/domain/offline-data.ts), as the agent reads it and as the API documents
 * it. Unknown fields are ignored, so a newer server may add some.
 */
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const isoTime = z.iso.datetime();

export const offlineKeyDerivationSchema = z.discriminatedUnion('derivation', [
  z.object({
    derivation: z.literal('pbkdf2-sha256'),
    iterations: z.number().int().positive(),
    salt: base64,
  }),
  z.object({ derivation: z.literal('salt'), salt: base64 }),
]);

export const offlineTokencodesSchema = z
  .object({
    algorithm: z.literal(OFFLINE_TOKENCODE_ALGORITHM),
    digits: z.union([z.literal(6), z.literal(8)]),
    stepSeconds: z.number().int().min(1).max(300),
    driftSteps: z.number().int().min(0).max(2),
    firstStep: z.number().int().nonnegative(),
    count: z
      .number()
      .int()
      .min(1)
      .max((MAX_OFFLINE_DAYS * 86_400) / 30),
    key: offlineKeyDerivationSchema,
    verifiers: base64,
  })
  .refine((t) => Buffer.from(t.verifiers, 'base64').length === t.count * OFFLINE_VERIFIER_BYTES, {
    message: `verifiers must hold count x ${OFFLINE_VERIFIER_BYTES} bytes`,
    path: ['verifiers'],
  });

export const secretVerifierSchema = z.object({
  algorithm: z.literal('pbkdf2-sha256'),
  iterations: z.number().int().positive(),
  salt: base64,
  hash: base64,
});

export const offlineEmergencyAccessSchema = z.object({
  generation: z.number().int().min(1),
  issueId: z.string().max(128).nullable(),
  expiresAt: isoTime,
  codeLength: z.number().int().min(1).max(64),
  singleUse: z.boolean(),
  verifier: secretVerifierSchema,
});

export const offlineDataSchema = z.object({
  format: z.literal(OFFLINE_DATA_FORMAT),
  userId: z.string(),
  serial: z.string(),
  kind: z.enum(['securid', 'authenticate']),
  requiresPin: z.boolean(),
  agentId: z.string(),
  issuedAt: isoTime,
  validUntil: isoTime,
  days: z.number().int().min(1).max(MAX_OFFLINE_DAYS),
  tokencodes: offlineTokencodesSchema,
  emergencyAccess: offlineEmergencyAccessSchema.nullable(),
}) satisfies z.ZodType<OfflineData, unknown>;
