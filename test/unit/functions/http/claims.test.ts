import { callerOf, claimList } from '../../../../functions/http/claims';
import { httpEvent, type Claims } from '../../../support/events';
import { isAppError } from '../../../../shared/domain/errors';
import { statusOf } from '../../../../functions/api/contract/statuses';

const route = { method: 'GET', path: '/v1/tokens' } as const;
const callerWith = (claims: Record<string, unknown>) =>
  callerOf(httpEvent(route, { claims: claims as Claims }));

function refusal(claims: Record<string, unknown>): string {
  try {
    callerWith(claims);
  } catch (error) {
    if (isAppError(error)) return `${statusOf(error.code)} ${error.code}`;
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

describe('Cognito administrators: groups grant domains', () => {
  const jane = { sub: 'f3b5d7a0', username: 'jane.admin', client_id: 'console', scope: 'eat/admin' };
  const domainsFrom = (groups: unknown) => callerWith({ ...jane, 'cognito:groups': groups }).domains;

  it('maps eat-domain-<id> to <id> and eat-all-domains to every domain, in every form API Gateway passes', () => {
    expect(domainsFrom('[eat-domain-Sales eat-domain-Contractors]')).toEqual(['Sales', 'Contractors']);
    expect(domainsFrom('["eat-domain-Sales"]')).toEqual(['Sales']);
    expect(domainsFrom(['eat-domain-Sales', 'eat-domain-Sales'])).toEqual(['Sales']);
    expect(domainsFrom('[eat-all-domains]')).toBe('*');
    expect(domainsFrom('[eat-domain-Sales eat-all-domains]')).toBe('*');
  });

  it('grants nothing for a missing claim, no group, or groups of other applications', () => {
    expect(callerWith(jane).domains).toEqual([]);
    expect(domainsFrom('[]')).toEqual([]);
    expect(domainsFrom('[helpdesk admins eat-domains-Sales all-domains]')).toEqual([]);
    // A group named like a domain or like the claim's `*` is not a grant.
    expect(domainsFrom('[Sales *]')).toEqual([]);
  });

  it('refuses (403) nested, malformed and odd values, never widening them', () => {
    for (const groups of [
      '["eat-domain-Sales",["eat-all-domains"]]',
      ['eat-domain-Sales', ['eat-all-domains']],
      '[{"group":"eat-all-domains"}]',
      '[eat-domain-Sales',
      '[eat-domain-]',
      '[eat-domain-*]',
      '[eat-domain-a/b]',
      7,
    ]) {
      expect([JSON.stringify(groups), refusal({ ...jane, 'cognito:groups': groups })]).toEqual([
        JSON.stringify(groups),
        '403 FORBIDDEN',
      ]);
    }
  });

  it('adds the groups to a domains claim, which keeps its own rules', () => {
    expect(
      callerWith({ ...jane, domains: '[Sales]', 'cognito:groups': '[eat-domain-Contractors]' }).domains,
    ).toEqual(['Sales', 'Contractors']);
    expect(refusal({ ...jane, domains: '[Sales *]', 'cognito:groups': '[eat-all-domains]' })).toBe(
      '403 FORBIDDEN',
    );
  });
});
