import { AppError, NotFoundError } from '../../domain/errors';
import type { SecurityDomain } from '../../domain/model';
import { versionMatches, type ExpectedVersion } from '../../domain/version';
import { canSeeDomain, type AdminActor, type UseCaseDependencies } from '../context';

/** What the management use cases share: versions checked and stored, and who may see what. */

/** An entity as stored, with its version; `created` when the call made it. */
export interface Stored<T> {
  value: T;
  version: string;
  created: boolean;
}

/**
 * The version the caller read against the one stored. Replacing an existing domain, user or agent needs
 * it (`required`); the single-setting token changes take it optionally, as reset and online use do.
 * Something that does not exist matches no version.
 */
export function checkExpectedVersion(
  current: { version: number } | null,
  expected: ExpectedVersion | undefined,
  required: boolean,
): void {
  if (current === null) {
    if (expected !== undefined)
      throw new AppError('ETAG_MISMATCH', 'It does not exist, so no version you read can match');
    return;
  }
  if (expected === undefined) {
    if (required) {
      throw new AppError('IF_MATCH_REQUIRED', 'Replacing it needs the version you read');
    }
    return;
  }
  if (!versionMatches(expected, String(current.version))) {
    throw new AppError('ETAG_MISMATCH', 'It changed since it was read');
  }
}

export function requireAllDomains(actor: AdminActor, what: string): void {
  if (actor.domains !== '*') {
    throw new AppError('FORBIDDEN', `${what} needs an administrator of all security domains`);
  }
}

export async function requireVisibleDomain(
  deps: UseCaseDependencies,
  actor: AdminActor,
  id: string,
): Promise<SecurityDomain> {
  const domain = canSeeDomain(actor, id) ? await deps.store.getSecurityDomain(id) : null;
  if (domain === null) throw new NotFoundError('No such security domain');
  return domain;
}

export const withoutVersion = <T extends { version: number }>({
  version: _version,
  ...rest
}: T): Omit<T, 'version'> => rest;

export function stored<T extends { version: number }>(
  entity: T,
  created = false,
): Stored<Omit<T, 'version'>> {
  return { value: withoutVersion(entity), version: String(entity.version), created };
}
