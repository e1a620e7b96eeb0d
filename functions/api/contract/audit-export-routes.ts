/**
 * The signed export of a token's audit chains (issue 17): its route and its request and response schemas,
 * in one block. The file format is `eat-audit-chain/1` (shared/domain/audit-export.ts); `eatctl audit
 * verify FILE` checks it offline.
 */
import * as z from 'zod/mini';
import type { RouteDefinition } from './route';
import { isoTime, serialParams } from './schemas';

const hex64 = z.string().check(z.regex(/^[0-9a-f]{64}$/));

export const chainLink = z
  .object({
    serial: z.string(),
    region: z.string(),
    seq: z.int().check(z.gte(1)),
    prevHash: hex64.check(
      z.describe('the hash of the link before it in its region (64 zeros for the first)'),
    ),
    hash: hex64.check(z.describe('SHA-256 of the canonical JSON of the link without its hash')),
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
  .register(z.globalRegistry, { id: 'AuditChainLink' });

export const auditChainExport = z
  .object({
    format: z.literal('eat-audit-chain/1'),
    serial: z.string(),
    exportedAt: isoTime,
    exportedBy: z.string(),
    exportedIn: z.string().check(z.describe('the region whose table the chains were read from')),
    chains: z.array(
      z.object({
        region: z.string(),
        firstSeq: z.int().check(z.gte(1), z.describe('1, unless retention removed older links')),
        links: z.array(chainLink),
      }),
    ),
    signature: z.object({
      algorithm: z.literal('ECDSA_SHA_256'),
      keyId: z.string(),
      publicKey: z.string().check(z.describe('the signing key: SubjectPublicKeyInfo, DER, base64')),
      value: z
        .string()
        .check(
          z.describe('DER ECDSA signature, base64, of "eat-audit-chain/1\\n" + SHA-256 hex of the rest'),
        ),
    }),
  })
  .register(z.globalRegistry, { id: 'AuditChainExport' });

export const exportAuditChainRoute = {
  operationId: 'exportAuditChain',
  method: 'GET',
  path: '/v1/tokens/{serial}/audit/export',
  scope: 'eat/admin',
  group: 'admin-audit-export',
  summary: "The token's audit events as hash chains, one per region, signed by the service's key",
  params: serialParams,
  response: { status: 200, schema: auditChainExport, description: 'The signed chains (eat-audit-chain/1)' },
  audit: 'audit.exported',
} as const satisfies RouteDefinition;

export const AUDIT_EXPORT_ROUTES: readonly RouteDefinition[] = [exportAuditChainRoute];
