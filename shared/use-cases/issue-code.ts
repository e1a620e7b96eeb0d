import { randomUUID } from 'node:crypto';
import { generateEmergencyCode } from '../domain/emergency-code';
import { expiryOf, nextGenerationOf, replacementReasonOf, type ReplacementReason } from '../domain/issuance';
import type { EmergencyAccessSettings, IssuedEmergencyCode, OfflinePolicy } from '../domain/model';
import { appendAuditEvents, auditEventOf } from './audit';
import { createCodeVerifier } from './code-verifier';
import type { UseCaseDependencies } from './context';
import { isConflict } from '../domain/errors';

export interface CurrentEmergencyCode {
  issued: IssuedEmergencyCode;
  /** In clear, for the offline verifier only; never logged, stored or returned. */
  code: string;
  /** Why a new code was issued by this call; null when the issued one was current. */
  replaced: ReplacementReason | null;
}

interface IssueContext {
  serial: string;
  /** The token's assignment epoch: a code issued for another one is replaced (assignment.ts). */
  assignmentEpoch: number;
  settings: EmergencyAccessSettings;
  policy: OfflinePolicy;
  actor: string;
  requestId: string;
  now: Date;
}

const ATTEMPTS = 3;

/**
 * The offline emergency code an agent should hold now: the issued one if it still serves, else a new
 * generation, sealed and with its verifier, written to the issued-code item only (never the settings).
 * Each generation is its own item, created only if absent. Losing that to a concurrent login in this
 * region means that login's code is the current one: it is read back and delivered, and no second code
 * is issued. The code it replaces is shredded at once (its sealed code and verifier dropped); should that
 * write lose a race, the sweep shreds it at its expiry. Across regions, see docs/design.md "Two regions writing at once".
 */
export async function currentEmergencyCode(
  deps: UseCaseDependencies,
  context: IssueContext,
  issued: IssuedEmergencyCode | null,
): Promise<CurrentEmergencyCode> {
  let current = issued;
  for (let attempt = 1; ; attempt++) {
    const reason = replacementReasonOf(context.settings, current, context.now, context.assignmentEpoch);
    if (reason === null) return { issued: current!, code: await openCode(deps, current!), replaced: null };
    try {
      const fresh = await issueCode(deps, context, current, reason);
      if (current !== null) await shred(deps, current);
      return { ...fresh, replaced: reason };
    } catch (error) {
      if (!isConflict(error) || attempt >= ATTEMPTS) throw error;
      current = (await deps.store.getTokenState(context.serial))?.issued ?? null;
    }
  }
}

/** Issues the next generation, its `emergency-access.issued` event in the new item's outbox. */
async function issueCode(
  deps: UseCaseDependencies,
  context: IssueContext,
  previous: IssuedEmergencyCode | null,
  reason: ReplacementReason,
): Promise<{ issued: IssuedEmergencyCode; code: string }> {
  const { serial, settings, policy, now, assignmentEpoch } = context;
  const code = generateEmergencyCode(policy.emergencyCodeFormat);
  const generation = nextGenerationOf(settings, previous);
  const issueId = randomUUID();
  const events = [
    auditEventOf(deps, {
      serial,
      action: 'emergency-access.issued',
      actor: context.actor,
      requestId: context.requestId,
      outcome: 'success',
      details: { generation, reason, issueId },
    }),
  ];
  const plaintext = Buffer.from(code, 'utf8');
  try {
    const [sealedCode, verifier] = await Promise.all([
      deps.sealer.seal(plaintext, { purpose: 'offline-eat', serial, generation }),
      createCodeVerifier(deps, serial, generation, code, assignmentEpoch),
    ]);
    const issued = await deps.store.saveIssuedCode(
      {
        serial,
        generation,
        sealedCode,
        verifier,
        issuedAt: now.toISOString(),
        expiresAt: expiryOf(now, policy, deps.policyCaps).toISOString(),
        state: 'active',
        usedAt: null,
        issueId,
        issuedInRegion: deps.regionName,
        codeLength: code.length,
        assignmentEpoch,
        // A new item: another login in this region issuing the same generation loses the condition.
        version: 0,
      },
      events,
    );
    await appendAuditEvents(deps, events);
    return { issued, code };
  } finally {
    plaintext.fill(0);
  }
}

async function openCode(deps: UseCaseDependencies, issued: IssuedEmergencyCode): Promise<string> {
  const plaintext = await deps.sealer.open(issued.sealedCode!, {
    purpose: 'offline-eat',
    serial: issued.serial,
    generation: issued.generation,
  });
  try {
    return plaintext.toString('utf8');
  } finally {
    plaintext.fill(0);
  }
}

/** Drops a replaced generation's secrets; a lost race leaves it to the sweep (it stays in the expiry index). */
async function shred(deps: UseCaseDependencies, replaced: IssuedEmergencyCode): Promise<void> {
  if (replaced.state === 'expired' && replaced.sealedCode === null) return;
  try {
    await deps.store.saveIssuedCode({ ...replaced, state: 'expired', sealedCode: null, verifier: null });
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
}
