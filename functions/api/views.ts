import type { z } from 'zod/mini';
import { isResetPending, offlineEmergencyStateOf } from '../../shared/domain/emergency-access';
import type { TokenOverview } from '../../shared/domain/model';
import type { EmergencyAccess } from '../../shared/use-cases/emergency-access';
import type { ManagedToken } from '../../shared/use-cases/management';
import type { TokenSearchHit } from '../../shared/use-cases/search-tokens';
import type { SeenViewRequest } from '../../shared/use-cases/view-approvals';
import type { managedToken } from './contract/management-routes';
import type { emergencyAccessPage, tokenDetails, tokenSummary } from './contract/schemas';
import type { viewRequestView } from './contract/view-approval-routes';

/**
 * The API's response shapes, built from the use cases' domain results; their types are the contract's
 * schemas. None holds a secret but the page's tokencode.
 */

export type TokenSummary = z.output<typeof tokenSummary>;
export type TokenDetails = z.output<typeof tokenDetails>;
export type EmergencyAccessPage = z.output<typeof emergencyAccessPage>;
export type ManagedTokenView = z.output<typeof managedToken>;

export function tokenSummaryOf({ token, issued }: TokenSearchHit, now: Date): TokenSummary {
  return {
    serial: token.serial,
    kind: token.kind,
    enabled: token.enabled,
    user: token.user,
    securityDomain: token.securityDomain,
    offlineEmergencyAccess: {
      state: offlineEmergencyStateOf(issued, now),
      expiresAt: issued?.expiresAt ?? null,
    },
  };
}

export function tokenDetailsOf(state: TokenOverview, now: Date): TokenDetails {
  return {
    ...tokenSummaryOf(state, now),
    lockout: {
      emergencyAccessFailures: state.lockout.emergencyAccessFailures,
      tokencodeFailures: state.lockout.tokencodeFailures,
      locked: state.lockout.locked,
    },
    // Online authentication records it on the counters item, which it owns (see the agent API).
    lastOnlineAuthenticationAt: state.lockout.lastAuthenticatedAt ?? state.token.lastOnlineAuthenticationAt,
  };
}

export function managedTokenOf(token: ManagedToken, now: Date): ManagedTokenView {
  return { ...tokenDetailsOf(token, now), digits: token.digits, pinSet: token.pinSet };
}

export function emergencyAccessPageOf({
  state,
  eligibility,
  at,
  tokencode,
}: EmergencyAccess): EmergencyAccessPage {
  return {
    serial: state.token.serial,
    offline: {
      tokencode,
      expiresAt: state.issued?.expiresAt ?? null,
      state: offlineEmergencyStateOf(state.issued, at),
      generation: state.issued?.generation ?? 0,
      resetPending: isResetPending(state.settings, state.issued),
      onlineUseAllowed: state.settings.onlineUseAllowed,
      usedAt: state.issued?.usedAt ?? null,
    },
    eligibility,
  };
}

export type ViewRequestView = z.output<typeof viewRequestView>;

export function viewRequestViewOf({ request, status, yours }: SeenViewRequest): ViewRequestView {
  const { version: _version, cancelledBy, cancelledAt, ...shown } = request;
  return { ...shown, status, cancelledBy: cancelledBy ?? null, cancelledAt: cancelledAt ?? null, yours };
}
