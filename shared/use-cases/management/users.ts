import { NotFoundError } from '../../domain/errors';
import type { User, UserRef } from '../../domain/model';
import type { ExpectedVersion } from '../../domain/version';
import { appendAuditEvents, auditEventOf } from '../audit';
import { canSeeDomain, type AdminActor, type UseCaseDependencies } from '../context';
import { checkExpectedVersion, requireVisibleDomain, stored, type Stored } from './stored';
import { manageEntry } from './token-changes';

/** Users; a replaced user's tokens follow its names and security domain. */
export type UserView = Omit<User, 'version'>;

export interface UserInput {
  firstName: string;
  lastName: string;
  securityDomain: string;
}

export const sameUserId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
export const userRefOf = (user: User): UserRef => ({
  userId: user.userId,
  firstName: user.firstName,
  lastName: user.lastName,
});

export async function loadVisibleUser(
  deps: UseCaseDependencies,
  actor: AdminActor,
  userId: string,
): Promise<User> {
  const user = await deps.store.getUser(userId);
  if (user === null || !canSeeDomain(actor, user.securityDomain)) throw new NotFoundError('No such user');
  return user;
}

export async function getUser(
  deps: UseCaseDependencies,
  actor: AdminActor,
  userId: string,
): Promise<Stored<UserView>> {
  return stored(await loadVisibleUser(deps, actor, userId));
}

/**
 * Creates or replaces a user. User ids are unique across domains, so an id taken in a domain the
 * administrator cannot see answers 404, as for any user there. The user's tokens carry its names and
 * domain (for search), so a replaced user's tokens are updated to match, each one conditionally and
 * audited; the same PUT again finishes what a failure left undone.
 */
export async function putUser(
  deps: UseCaseDependencies,
  actor: AdminActor,
  userId: string,
  input: UserInput,
  expected: ExpectedVersion | undefined,
): Promise<Stored<UserView>> {
  const existing = await deps.store.getUser(userId);
  if (existing !== null && !canSeeDomain(actor, existing.securityDomain)) {
    throw new NotFoundError('No such user');
  }
  await requireVisibleDomain(deps, actor, input.securityDomain);
  checkExpectedVersion(existing, expected, true);
  const saved = await deps.store.saveUser({
    userId: existing?.userId ?? userId,
    firstName: input.firstName,
    lastName: input.lastName,
    securityDomain: input.securityDomain,
    version: existing?.version ?? 0,
  });
  if (existing !== null) await updateTokensOf(deps, actor, saved);
  return stored(saved, existing === null);
}

async function updateTokensOf(deps: UseCaseDependencies, actor: AdminActor, user: User): Promise<void> {
  let cursor: string | null = null;
  do {
    const page = await deps.store.findTokensByUserId(user.userId, { limit: 100, cursor });
    for (const listing of page.items) {
      if (listing.securityDomain === user.securityDomain && sameRef(listing.user, userRefOf(user))) continue;
      const token = (await deps.store.getTokenState(listing.serial))?.items.token ?? null;
      if (token === null || token.user === null || !sameUserId(token.user.userId, user.userId)) continue;
      if (!canSeeDomain(actor, token.securityDomain)) continue;
      // The index is eventually consistent: the token itself may already be up to date.
      if (token.securityDomain === user.securityDomain && sameRef(token.user, userRefOf(user))) continue;
      const events = [
        auditEventOf(
          deps,
          manageEntry(actor, token.serial, 'success', {
            change: 'user-update',
            userId: user.userId,
            securityDomain: user.securityDomain,
            changed: true,
          }),
        ),
      ];
      await deps.store.saveToken(
        { ...token, user: userRefOf(user), securityDomain: user.securityDomain },
        events,
      );
      await appendAuditEvents(deps, events);
    }
    cursor = page.cursor;
  } while (cursor !== null);
}

export const sameRef = (a: UserRef | null, b: UserRef) =>
  a !== null && a.userId === b.userId && a.firstName === b.firstName && a.lastName === b.lastName;
