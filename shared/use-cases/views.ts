import {
  isResetPending,
  offlineEmergencyStateOf,
  type OfflineEmergencyState,
} from '../domain/emergency-access';
import type { Eligibility } from '../domain/eligibility';
import type { Token, TokenOverview, TokenState, UserRef } from '../domain/model';
import type { TokenListing } from '../ports/token-store';
import { tagOf } from '../domain/regional-state';

/** The API's response shapes, built from domain state. None holds a secret but the page's tokencode. */

export interface TokenSummary {
  serial: string;
  kind: Token['kind'];
  enabled: boolean;
  user: UserRef | null;
  securityDomain: string;
  offlineEmergencyAccess: { state: OfflineEmergencyState; expiresAt: string | null };
}

export interface TokenDetails extends TokenSummary {
  lockout: { emergencyAccessFailures: number; tokencodeFailures: number; locked: boolean };
  lastOnlineAuthenticationAt: string | null;
}

export interface EmergencyAccessPage {
  serial: string;
  offline: {
    tokencode: string | null;
    expiresAt: string | null;
    state: OfflineEmergencyState;
    generation: number;
    resetPending: boolean;
    onlineUseAllowed: boolean;
    /**
     * When a single-use code was spent (online, or reported by an agent after offline use); null while
     * unused. A spent code is no longer shown: the next comes at the user's next online login.
     */
    usedAt: string | null;
  };
  eligibility: Eligibility;
}

export function tokenSummaryOf(
  token: TokenListing,
  issued: TokenOverview['issued'],
  now: Date,
): TokenSummary {
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
    ...tokenSummaryOf(state.token, state.issued, now),
    lockout: {
      emergencyAccessFailures: state.lockout.emergencyAccessFailures,
      tokencodeFailures: state.lockout.tokencodeFailures,
      locked: state.lockout.locked,
    },
    // Online authentication records it on the counters item, which it owns (see the agent API).
    lastOnlineAuthenticationAt: state.lockout.lastAuthenticatedAt ?? state.token.lastOnlineAuthenticationAt,
  };
}

export function emergencyAccessPageOf(
  state: TokenState,
  eligibility: Eligibility,
  now: Date,
  tokencode: string | null,
): EmergencyAccessPage {
  return {
    serial: state.token.serial,
    offline: {
      tokencode,
      expiresAt: state.issued?.expiresAt ?? null,
      state: offlineEmergencyStateOf(state.issued, now),
      generation: state.issued?.generation ?? 0,
      resetPending: isResetPending(state.settings, state.issued),
      onlineUseAllowed: state.settings.onlineUseAllowed,
      usedAt: state.issued?.usedAt ?? null,
    },
    eligibility,
  };
}

/**
 * The page's ETag: a tag of the items it shows. The admin items change with Save (in any region), the
 * issued code with a login or the sweep; any of them makes an edit based on the old page stale.
 */
export function emergencyAccessEtagOf(state: Pick<TokenState, 'items'>): string {
  return `"${tagOf(state.items, true)}"`;
}
