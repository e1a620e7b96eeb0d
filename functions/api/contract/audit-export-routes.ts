/**
 * The signed export of a token's audit chains (issue 17): its route and its request and response schemas,
 * in one block. The file format is `eat-audit-chain/1` (shared/domain/audit-export.ts); `eatctl audit
 * verify FILE` checks it offline.
 */
import { z } from 'zod';
import type { RouteDefinition } from './route';
import { isoTime, serialParams } from './schemas';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const chainLink = z
  .object({
    serial: z.string(),
    region: z.string(),
    seq: z.number().int().min(1),
    prevHash: hex64.describe('the hash of the link before it in its region (64 zeros for the first)'),
    hash: hex64.describe('SHA-256 of the canonical JSON of the link without its hash'),
    event: z.object({
      eventId: z.string(),
      at: isoTime,
      action: z.string(),
      actor: z.string(),
      outcome: z.enum(['success', 'denied', 'failure']),
      requestId: z.string(),
      details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    }),
  })
  .meta({ id: 'AuditChainLink' });

export const auditChainExport = z
  .object({
    format: z.literal('eat-audit-chain/1'),
    serial: z.string(),
    exportedAt: isoTime,
    exportedBy: z.string(),
    exportedIn: z.string().describe('the region whose table the chains were read from'),
    chains: z.array(
      z.object({
        region: z.string(),
        firstSeq: z.number().int().min(1).describe('1, unless retention removed older links'),
        links: z.array(chainLink),
      }),
    ),
    signature: z.object({
      algorithm: z.literal('ECDSA_SHA_256'),
      keyId: z.string(),
      publicKey: z.string().describe('the signing key: SubjectPublicKeyInfo, DER, base64'),
      value: z
        .string()
        .describe('DER ECDSA signature, base64, of "eat-audit-chain/1\\n" + SHA-256 hex of the rest'),
    }),
  })
  .meta({ id: 'AuditChainExport' });

export const exportAuditChainRoute = {
  operationId: 'exportAuditChain',
  method: 'GET',
  path: '/v1/tokens/{serial}/audit/export',
  scope: 'eat/admin',
  group: 'admin-audit-export',
  summary: "The token's audit events as hash chains, one per region, signed by the service's key",
  params: serialParams,
  response: { status: 200, schema: auditChainExport, description: 'The signed chains (eat-audit-chain/1)' },
} as const satisfies RouteDefinition;

export const AUDIT_EXPORT_ROUTES: readonly RouteDefinition[] = [exportAuditChainRoute];
