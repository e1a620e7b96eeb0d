import { linkAfter, type ChainLink } from '../domain/audit-chain';
import {
  AUDIT_EXPORT_FORMAT,
  AUDIT_SIGNING_ALGORITHM,
  signedPayloadOf,
  type AuditChainExport,
  type RegionChain,
  type UnsignedExport,
} from '../domain/audit-export';
import { ConflictError, DependencyUnavailableError, NotFoundError } from '../domain/errors';
import type { OutboxEvent } from '../domain/model';
import type { AuditChainStore } from '../ports/audit-chain-store';
import type { Signer } from '../ports/signer';
import { appendAuditEvents, auditEventOf } from './audit';
import { canSeeDomain, type AdminActor, type UseCaseDependencies } from './context';

const ATTEMPTS = 5;

export interface ChainResult {
  chained: number;
  /** Events found chained already (a batch delivered again). */
  alreadyChained: number;
}

/**
 * Appends this region's new audit events to their tokens' chains, in the order given (the stream's, per
 * token). Run by one consumer per region and stream shard (functions/audit-trail.ts, local/audit-trail.ts),
 * so the only events that can be chained already are those of a batch delivered again: they are among the
 * newest links, as many as the batch has events of that token, and are skipped. A link is put only at a
 * free position: another writer at the same one makes this one read the head again (never a fork).
 */
export async function chainAuditEvents(
  deps: { chain: AuditChainStore; regionName: string },
  events: readonly OutboxEvent[],
): Promise<ChainResult> {
  const byToken = new Map<string, OutboxEvent[]>();
  for (const event of events) {
    if (event.region !== deps.regionName) continue;
    byToken.set(event.serial, [...(byToken.get(event.serial) ?? []), event]);
  }
  const result: ChainResult = { chained: 0, alreadyChained: 0 };
  for (const [serial, tokenEvents] of byToken) {
    const window = tokenEvents.length;
    let recent = await deps.chain.latestLinks(serial, deps.regionName, window);
    for (const event of tokenEvents) {
      for (let attempt = 1; ; attempt += 1) {
        if (recent.some((link) => link.event.eventId === event.eventId)) {
          result.alreadyChained += 1;
          break;
        }
        const link = linkAfter(recent[0] ?? null, event);
        try {
          await deps.chain.putLink(link);
          recent = [link, ...recent];
          result.chained += 1;
          break;
        } catch (error) {
          if (!(error instanceof ConflictError) || attempt === ATTEMPTS) throw error;
          recent = await deps.chain.latestLinks(serial, deps.regionName, window + attempt);
        }
      }
    }
  }
  return result;
}

export type ExportDependencies = Pick<UseCaseDependencies, 'store' | 'clock' | 'regionName'> & {
  auditChain?: AuditChainStore;
  signer?: Signer;
};

/**
 * Every region's chain of a token, as this region's table holds them, signed; 404 outside the actor's domains.
 * The export is itself audited (`audit.exported`: who, which token, how many links), after the file is
 * signed and before it is handed out: no export leaves without its event, and that event is not in the file
 * it records (the trail chains it like any other, so the next export holds it).
 */
export async function exportAuditChain(
  deps: ExportDependencies,
  actor: AdminActor,
  serial: string,
): Promise<AuditChainExport> {
  const domain = await deps.store.getTokenDomain(serial);
  if (domain === null || !canSeeDomain(actor, domain)) throw new NotFoundError('No such token');
  if (deps.auditChain === undefined || deps.signer === undefined) {
    throw new DependencyUnavailableError('the audit signing key', { retryable: false });
  }
  const byRegion = new Map<string, ChainLink[]>();
  for (const link of await deps.auditChain.allLinks(serial)) {
    byRegion.set(link.region, [...(byRegion.get(link.region) ?? []), link]);
  }
  const chains: RegionChain[] = [...byRegion.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([region, links]) => {
      const sorted = links.sort((a, b) => a.seq - b.seq);
      return { region, firstSeq: sorted[0]!.seq, links: sorted };
    });
  const unsigned: UnsignedExport = {
    format: AUDIT_EXPORT_FORMAT,
    serial,
    exportedAt: deps.clock().toISOString(),
    exportedBy: actor.id,
    exportedIn: deps.regionName,
    chains,
  };
  const [{ keyId, signature }, { spki }] = await Promise.all([
    deps.signer.sign(signedPayloadOf(unsigned)),
    deps.signer.publicKey(),
  ]);
  const event = auditEventOf(deps, {
    serial,
    action: 'audit.exported',
    actor: actor.id,
    via: actor.via,
    requestId: actor.requestId,
    outcome: 'success',
    details: {
      links: chains.reduce((sum, c) => sum + c.links.length, 0),
      regions: chains.length,
      exportedAt: unsigned.exportedAt,
      keyId,
    },
  });
  await appendAuditEvents(deps, [event]);
  return {
    ...unsigned,
    signature: {
      algorithm: AUDIT_SIGNING_ALGORITHM,
      keyId,
      publicKey: spki.toString('base64'),
      value: signature.toString('base64'),
    },
  };
}
