import { AppError } from '../../domain/errors';
import type { AuditDetailValue, Token, TokenOverview, TokenState } from '../../domain/model';
import {
  mergeTokenState,
  nextAdminSettings,
  tagOf,
  withAdminSettings,
  type AdminChange,
} from '../../domain/regional-state';
import { versionMatches, type ExpectedVersion } from '../../domain/version';
import { appendAuditEvents, auditEventOf, recordAudit, type AuditEntry } from '../audit';
import type { AdminActor, UseCaseDependencies } from '../context';
import type { Stored } from './stored';

/** How a management change to a token is checked, written, audited and answered. */
/** A token as management shows it: its overview, TOTP digits, and whether a PIN is set (never the PIN). */
export interface ManagedToken extends TokenOverview {
  digits: Token['digits'];
  pinSet: boolean;
}

/** A token's management version: a tag of its token item and the regions' admin items. */
const tokenVersionOf = (state: TokenState): string => tagOf(state.items, false);

export function storedToken(state: TokenState, created = false): Stored<ManagedToken> {
  const value = {
    token: state.token,
    issued: state.issued,
    lockout: state.lockout,
    digits: state.token.digits,
    pinSet: state.token.pinVerifier !== null,
  };
  return { value, version: tokenVersionOf(state), created };
}

/** The version read, optional, against a token's management version. */
export function checkTokenVersion(state: TokenState, expected: ExpectedVersion | undefined): void {
  if (expected === undefined || versionMatches(expected, tokenVersionOf(state))) return;
  throw new AppError('ETAG_MISMATCH', 'It changed since it was read');
}

export function manageEntry(
  actor: AdminActor,
  serial: string,
  outcome: 'success' | 'denied',
  details: Record<string, AuditDetailValue>,
): AuditEntry {
  return {
    serial,
    action: 'token.manage',
    actor: actor.id,
    via: actor.via,
    requestId: actor.requestId,
    outcome,
    details,
  };
}

/** Audits a management act that changes nothing (a refusal, a change already made). */
async function auditManage(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
  outcome: 'success' | 'denied',
  details: Record<string, AuditDetailValue>,
): Promise<void> {
  await recordAudit(deps, manageEntry(actor, serial, outcome, details));
}

/** Refuses a change the token's state does not allow: audited as denied, then 409 with the reason. */
export async function refuse(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
  reason: string,
  details: Record<string, AuditDetailValue>,
): Promise<never> {
  await auditManage(deps, actor, serial, 'denied', { ...details, reasons: reason });
  throw new AppError('PRECONDITION_NOT_MET', 'The token does not allow this change', { reasons: [reason] });
}

/**
 * Writes what changed (this region's admin item, then the token item: an unassignment narrows access
 * before it drops the user) and answers the token as it now is. Each write carries its own event in its
 * outbox (`details` for the last write; `narrowing` for the admin item's when the token item follows), so
 * whichever writes stand are audited, each once: should the token's write fail, the narrowing is audited as
 * what it is, and the retry, which finds access already narrowed, audits the rest.
 */
export async function commit(
  deps: UseCaseDependencies,
  actor: AdminActor,
  state: TokenState,
  change: { admin?: AdminChange; token?: Token },
  details: Record<string, AuditDetailValue>,
  narrowing: Record<string, AuditDetailValue> = details,
): Promise<Stored<ManagedToken>> {
  const changed = change.admin !== undefined || change.token !== undefined;
  const serial = state.token.serial;
  if (!changed) {
    await auditManage(deps, actor, serial, 'success', { ...details, changed });
    return storedToken(mergeTokenState(state.items));
  }
  const eventOf = (d: Record<string, AuditDetailValue>) =>
    auditEventOf(deps, manageEntry(actor, serial, 'success', { ...d, changed }));
  let items = state.items;
  if (change.admin !== undefined) {
    const events = [eventOf(change.token === undefined ? details : narrowing)];
    const write = { region: deps.regionName, at: deps.clock(), by: actor.id };
    items = withAdminSettings(
      items,
      await deps.store.saveAdminSettings(nextAdminSettings(items, change.admin, write), events),
    );
    await appendAuditEvents(deps, events);
  }
  if (change.token !== undefined) {
    const events = [eventOf(details)];
    items = { ...items, token: await deps.store.saveToken(change.token, events) };
    await appendAuditEvents(deps, events);
  }
  return storedToken(mergeTokenState(items));
}
