import { evaluateEligibility, type Eligibility } from '../domain/eligibility';
import { isResetPending, offlineEmergencyStateOf } from '../domain/emergency-access';
import { AppError, NotFoundError, PreconditionError } from '../domain/errors';
import type { AuditAction, TokenOverview, TokenState } from '../domain/model';
import { mergeTokenState, nextAdminSettings, tagOf, withAdminSettings } from '../domain/regional-state';
import { versionMatches, type ExpectedVersion } from '../domain/version';
import { appendAuditEvents, auditEventOf, recordAudit } from './audit';
import { viewGate, type ViewAccess } from './view-approvals';
import { canSeeDomain, type AdminActor, type UseCaseDependencies } from './context';

/** A token's state, or 404 when it does not exist or lies outside the actor's domains (the same answer). */
export async function loadVisibleTokenState(
  deps: UseCaseDependencies,
  actor: Pick<AdminActor, 'domains'>,
  serial: string,
): Promise<TokenState> {
  const state = await deps.store.getTokenState(serial);
  if (state === null || !canSeeDomain(actor, state.token.securityDomain))
    throw new NotFoundError('No such token');
  return state;
}

export async function eligibilityOf(
  deps: UseCaseDependencies,
  state: TokenState,
  now: Date,
): Promise<Eligibility> {
  const user = state.token.user;
  const [domain, offlineAuthentications] = await Promise.all([
    deps.store.getSecurityDomain(state.token.securityDomain),
    user === null ? Promise.resolve([]) : deps.store.listOfflineAuthentications(user.userId),
  ]);
  return evaluateEligibility({
    token: state.token,
    policy: domain?.offlinePolicy ?? null,
    offlineAuthentications,
    now,
  });
}

export async function getTokenDetails(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
): Promise<TokenOverview> {
  // Read without secrets: the token details are served by the read-only search function.
  const overview = await deps.store.getTokenOverview(serial);
  if (overview === null || !canSeeDomain(actor, overview.token.securityDomain))
    throw new NotFoundError('No such token');
  return overview;
}

/** A token's emergency access as of `at`: its state, eligibility, the code when shown, and the version. */
export interface EmergencyAccess {
  state: TokenState;
  eligibility: Eligibility;
  at: Date;
  /** In clear only from the audited view, while the code is active, unspent and the token eligible. */
  tokencode: string | null;
  version: string;
}

/**
 * The page's version: a tag of the items it shows. The admin items change with Save (in any region), the
 * issued code with a login or the sweep; any of them makes an edit based on the old page stale.
 */
const emergencyAccessVersionOf = (state: Pick<TokenState, 'items'>): string => tagOf(state.items, true);

/**
 * The Manage Emergency Access Tokencodes page with the code in clear. The code is shown only while it
 * is active, unspent, and the token is eligible, and only through the domain's view gate (a reason, a
 * ticket, or an approved request under dual control: view-approvals.ts), whose details the audit event
 * carries. The view is audited before the code leaves: if the audit event cannot be written (or, for an
 * approved request, the request cannot be marked used with it), nothing is shown. Three round trips: the
 * token's partition; the eligibility reads, the gate and the code's opening, in parallel (a code opened
 * for a refused view or an ineligible token is wiped unshown); the audit.
 */
export async function viewEmergencyAccess(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
  access: ViewAccess = {},
): Promise<EmergencyAccess> {
  const state = await loadVisibleTokenState(deps, actor, serial);
  const now = deps.clock();
  const issued = state.issued;
  const showable =
    issued?.sealedCode && issued.usedAt === null && offlineEmergencyStateOf(issued, now) === 'active'
      ? issued.sealedCode
      : null;
  const opening =
    showable === null
      ? Promise.resolve(null)
      : deps.sealer.open(showable, { purpose: 'offline-eat', serial, generation: issued!.generation });
  let eligibility: Awaited<ReturnType<typeof eligibilityOf>>;
  let gate: Awaited<ReturnType<typeof viewGate>>;
  try {
    [eligibility, gate] = await Promise.all([
      eligibilityOf(deps, state, now),
      viewGate(deps, actor, state, access, now),
    ]);
  } catch (error) {
    (await opening.catch(() => null))?.fill(0);
    throw error;
  }
  const plaintext = await opening;
  let tokencode: string | null = null;
  if (plaintext !== null) {
    if (eligibility.eligible) tokencode = plaintext.toString('utf8');
    plaintext.fill(0);
  }
  const event = auditEventOf(deps, {
    serial,
    action: 'emergency-access.view',
    actor: actor.id,
    via: actor.via,
    requestId: actor.requestId,
    outcome: 'success',
    details: {
      generation: issued?.generation ?? 0,
      codeShown: tokencode !== null,
      eligible: eligibility.eligible,
      ...gate.details,
    },
  });
  // An approved request is spent only by a view that shows the code, in one conditional write with its
  // event in the request's outbox. Once spent, the event is committed (the materializer appends it should
  // this append fail), and the code is shown: failing now would spend the one view and show nothing.
  if (tokencode !== null && gate.spend !== undefined) {
    await gate.spend(event);
    await appendAuditEvents(deps, [event]).catch(() => undefined);
  } else {
    await appendAuditEvents(deps, [event]);
  }
  return { state, eligibility, at: now, tokencode, version: emergencyAccessVersionOf(state) };
}

export interface EmergencyAccessChange {
  resetOffline?: true;
  onlineUseAllowed?: boolean;
}

/**
 * Reset, the online-use toggle and Save. With `expected`, the change applies only to the page that was
 * read (412 otherwise). Refused with 409 and the reasons when the token is not eligible, except turning
 * online use off, which only ever narrows access. Asking for what is already so changes nothing.
 * Both changes are one write of this region's admin item, conditional on its version, that carries their
 * audit events in its outbox; each is audited, a request that changes nothing as `changed: false`.
 */
export async function changeEmergencyAccess(
  deps: UseCaseDependencies,
  actor: AdminActor,
  serial: string,
  change: EmergencyAccessChange,
  expected: ExpectedVersion | undefined,
): Promise<EmergencyAccess> {
  const state = await loadVisibleTokenState(deps, actor, serial);
  if (expected !== undefined && !versionMatches(expected, emergencyAccessVersionOf(state))) {
    throw new AppError('ETAG_MISMATCH', 'The emergency access settings changed since they were read');
  }
  const now = deps.clock();
  const eligibility = await eligibilityOf(deps, state, now);
  const wanted: { action: AuditAction; details: Record<string, boolean> }[] = [];
  if (change.resetOffline) wanted.push({ action: 'emergency-access.reset', details: { resetOffline: true } });
  if (change.onlineUseAllowed !== undefined) {
    wanted.push({
      action: 'emergency-access.online-use',
      details: { onlineUseAllowed: change.onlineUseAllowed },
    });
  }
  const widensAccess = change.resetOffline === true || change.onlineUseAllowed === true;
  if (widensAccess && !eligibility.eligible) {
    for (const { action, details } of wanted) {
      await recordAudit(deps, {
        serial,
        action,
        actor: actor.id,
        via: actor.via,
        requestId: actor.requestId,
        outcome: 'denied',
        details: { ...details, reasons: eligibility.reasons.join(',') },
      });
    }
    throw new PreconditionError(eligibility.reasons);
  }

  const resetWanted = change.resetOffline === true && !isResetPending(state.settings, state.issued);
  const toggleWanted =
    change.onlineUseAllowed !== undefined && change.onlineUseAllowed !== state.settings.onlineUseAllowed;

  const events = wanted.map(({ action, details }) =>
    auditEventOf(deps, {
      serial,
      action,
      actor: actor.id,
      via: actor.via,
      requestId: actor.requestId,
      outcome: 'success',
      details: {
        ...details,
        changed: action === 'emergency-access.reset' ? resetWanted : toggleWanted,
        generation: state.issued?.generation ?? 0,
      },
    }),
  );
  let next = state;
  if (resetWanted || toggleWanted) {
    // The events ride in the admin item's outbox: the change and its audit commit together.
    const saved = await deps.store.saveAdminSettings(
      nextAdminSettings(
        state.items,
        {
          ...(resetWanted ? { resetAtGeneration: state.issued?.generation ?? 0 } : {}),
          ...(toggleWanted ? { onlineUse: change.onlineUseAllowed! } : {}),
        },
        { region: deps.regionName, at: now, by: actor.id },
      ),
      events,
    );
    next = mergeTokenState(withAdminSettings(state.items, saved));
  }
  await appendAuditEvents(deps, events);
  return { state: next, eligibility, at: now, tokencode: null, version: emergencyAccessVersionOf(next) };
}
