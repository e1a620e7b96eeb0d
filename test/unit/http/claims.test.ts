import { callerOf, claimList } from '../../../functions/http/claims';
import { httpEvent, type Claims } from '../../support/events';
import { isAppError } from '../../../shared/domain/errors';

const route = { method: 'GET', path: '/v1/tokens' } as const;
const callerWith = (claims: Record<string, unknown>) =>
  callerOf(httpEvent(route, { claims: claims as Claims }));

function refusal(claims: Record<string, unknown>): string {
  try {
    callerWith(claims);
  } catch (error) {
    if (isAppError(error)) return `${error.status} ${error.code}`;
    throw error;
  }
  return 'accepted';
}

describe('finding 1: the actor of an admin act is the person, the app client beside it', () => {
  it('names the person of a Cognito-style user token, not its app client', () => {
    const caller = callerWith({
      sub: 'f3b5d7a0-1c2e-4b6a-9d8e-0000000000a1',
      username: 'jane.admin',
      client_id: 'console-app-client',
      scope: 'eat/admin',
      domains: '[*]',
    });
    expect(caller).toMatchObject({ id: 'jane.admin', via: 'console-app-client' });
  });

  it('names the subject when a user token has no username (a sub that is not the client)', () => {
    const caller = callerWith({ sub: 'user-42', client_id: 'console', scope: 'eat/admin' });
    expect(caller).toMatchObject({ id: 'user-42', via: 'console' });
  });

  it('names the client of a client-credentials token, with no via', () => {
    const caller = callerWith({ sub: 'helpdesk', client_id: 'helpdesk', scope: 'eat/admin' });
    expect(caller.id).toBe('helpdesk');
    expect(caller.via).toBeUndefined();
  });

  it('refuses a token with no identity at all', () => {
    expect(refusal({ scope: 'eat/admin' })).toBe('401 UNAUTHENTICATED');
  });
});

describe('finding 3: the domains claim fails closed and is parsed strictly', () => {
  it('reads a missing claim as no domain, not every domain', () => {
    expect(callerWith({ sub: 'a', client_id: 'a', scope: 'eat/admin' }).domains).toEqual([]);
  });

  it('reads all domains only from an explicit ["*"], in every form API Gateway passes it', () => {
    for (const domains of ['[*]', '["*"]', '*', ['*']]) {
      expect(callerWith({ sub: 'a', client_id: 'a', domains }).domains).toBe('*');
    }
    expect(callerWith({ sub: 'a', client_id: 'a', domains: '[Sales Contractors]' }).domains).toEqual([
      'Sales',
      'Contractors',
    ]);
  });

  it('refuses nested values, objects and a "*" mixed with domains (403), never reading them as "*"', () => {
    for (const domains of [
      '["Sales",["*"]]',
      '[Sales [*]]',
      ['Sales', ['*']],
      '[{"id":"*"}]',
      '{"*":true}',
      '[Sales *]',
      '[1]',
      '[Sales',
      'Sales "*"',
    ]) {
      expect([JSON.stringify(domains), refusal({ sub: 'a', client_id: 'a', domains })]).toEqual([
        JSON.stringify(domains),
        '403 FORBIDDEN',
      ]);
    }
  });

  it('parses list claims strictly', () => {
    expect(claimList(undefined)).toEqual([]);
    expect(claimList('eat/admin openid')).toEqual(['eat/admin', 'openid']);
    expect(claimList('[a ["b"]]')).toBeNull();
    expect(claimList(7)).toBeNull();
  });
});
