/** Builders of domain entities for tests: sensible defaults, override what the test is about. */
import type {
  Agent,
  AuditEvent,
  IssuedEmergencyCode,
  SecurityDomain,
  Token,
  User,
} from '../../shared/domain/model';
import { DEFAULT_OFFLINE_POLICY } from '../../shared/domain/policy';
import type { TokenStore } from '../../shared/ports/token-store';

export function aSecurityDomain(overrides: Partial<SecurityDomain> = {}): SecurityDomain {
  return {
    id: 'SystemDomain',
    name: 'System Domain',
    offlinePolicy: DEFAULT_OFFLINE_POLICY,
    version: 0,
    ...overrides,
  };
}

export function aUser(overrides: Partial<User> = {}): User {
  return {
    userId: 'alice',
    firstName: 'Alice',
    lastName: 'Archer',
    securityDomain: 'SystemDomain',
    version: 0,
    ...overrides,
  };
}

export function anAgent(overrides: Partial<Agent> = {}): Agent {
  return {
    agentId: 'win-agent-1',
    name: 'Windows agent',
    supportsOfflineAuthentication: true,
    version: 0,
    ...overrides,
  };
}

export function aToken(overrides: Partial<Token> = {}): Token {
  return {
    serial: '000100000001',
    kind: 'securid',
    enabled: true,
    user: { userId: 'alice', firstName: 'Alice', lastName: 'Archer' },
    securityDomain: 'SystemDomain',
    digits: 6,
    sealedSeed: { keyId: 'local:test', ciphertext: 'c2VhbGVk' },
    pinVerifier: null,
    lastOnlineAuthenticationAt: null,
    version: 0,
    ...overrides,
  };
}

export function anIssuedCode(overrides: Partial<IssuedEmergencyCode> = {}): IssuedEmergencyCode {
  return {
    serial: '000100000001',
    generation: 1,
    sealedCode: { keyId: 'local:test', ciphertext: 'c2VhbGVk' },
    verifier: null,
    issuedAt: '2026-12-01T00:00:00.000Z',
    expiresAt: '2026-12-15T00:00:00.000Z',
    state: 'active',
    usedAt: null,
    version: 0,
    ...overrides,
  };
}

export function anAuditEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    serial: '000100000001',
    at: '2026-12-01T00:00:00.000Z',
    action: 'emergency-access.view',
    actor: 'helpdesk',
    region: 'local-primary',
    outcome: 'success',
    requestId: 'req-1',
    details: {},
    ...overrides,
  };
}

/** The current (newest) issued code of a token, as readers see it. */
export async function currentCode(
  store: Pick<TokenStore, 'getTokenState'>,
  serial: string,
): Promise<IssuedEmergencyCode | null> {
  return (await store.getTokenState(serial))?.issued ?? null;
}
