import { IDENTITY_DETAIL_TYPES, identityEventOf } from '../../../../shared/domain/identity-events';
import type { AuditAction, OutboxEvent } from '../../../../shared/domain/model';

const base: OutboxEvent = {
  eventId: '0123456789abcdef01234567',
  serial: '000100000001',
  at: '2026-11-30T23:11:29.546Z',
  action: 'emergency-access.view',
  actor: 'jane.admin',
  region: 'eu-west-1',
  outcome: 'success',
  requestId: 'req-1',
  details: { generation: 3, codeShown: true, via: 'eat-console' },
};
const owner = { userId: 'alice', securityDomain: 'SystemDomain' };

describe('identityEventOf', () => {
  it.each(Object.entries(IDENTITY_DETAIL_TYPES))('%s is told as "%s"', (action, detailType) => {
    const event = identityEventOf({ ...base, action: action as AuditAction }, owner);
    expect(event).toMatchObject({
      source: 'eat.emergency-access',
      detailType,
      time: base.at,
      detail: { version: 1, eventId: base.eventId, action, userId: 'alice', securityDomain: 'SystemDomain' },
    });
  });

  it('tells the five acts on a code: issue, view, reset, use online, use offline', () => {
    expect(Object.values(IDENTITY_DETAIL_TYPES).sort()).toEqual([
      'Emergency Code Issued',
      'Emergency Code Reset',
      'Emergency Code Used Offline',
      'Emergency Code Used Online',
      'Emergency Code Viewed',
    ]);
  });

  it.each(['emergency-access.online-use', 'authenticate.tokencode', 'token.manage', 'token.unlock'] as const)(
    'does not tell %s',
    (action) => expect(identityEventOf({ ...base, action }, owner)).toBeNull(),
  );

  it.each(['denied', 'failure'] as const)('does not tell an act whose outcome is %s', (outcome) =>
    expect(identityEventOf({ ...base, outcome }, owner)).toBeNull(),
  );

  it('carries only allowed details: a secret that slipped into an audit event stays out', () => {
    const event = identityEventOf(
      {
        ...base,
        details: { generation: 3, code: 'V3ZEC7A2MN5X', pin: '2468', seed: 'JBSWY3DPEHPK3PXP', token: 'eyJ' },
      },
      owner,
    );
    expect(event!.detail.details).toEqual({ generation: 3 });
    const text = JSON.stringify(event);
    for (const secret of ['V3ZEC7A2MN5X', '2468', 'JBSWY3DPEHPK3PXP', 'eyJ'])
      expect(text).not.toContain(secret);
  });

  it('names no user when the token has none (or is gone)', () => {
    expect(identityEventOf(base, null)!.detail).toMatchObject({ userId: null, securityDomain: null });
  });
});
