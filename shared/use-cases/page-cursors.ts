import { createHash } from 'node:crypto';
import { isAppError, ValidationError } from '../domain/errors';
import type { Sealer } from '../ports/sealer';
import type { AdminActor } from './context';

/**
 * Pagination cursors handed to administrators: sealed (the region's sealing key, purpose `page-cursor`),
 * so a cursor is opaque (nothing of the store's key, of a name or of another domain shows through) and
 * authenticated (a changed byte does not open). Each is bound to the operation (the sealing context's
 * `serial`), and inside the seal to a digest of who asked (person, app client, domains) and what they
 * asked (the query, less the cursor and the page size), and to an expiry. Used otherwise, it is refused
 * with 400, as any malformed cursor is.
 */

const CURSOR_LIFETIME_MS = 60 * 60 * 1000;
const BINDING_BYTES = 16;

/** What a cursor is bound to: the operation, the caller, and the query that made it. */
export interface CursorScope {
  operation: string;
  actor: Pick<AdminActor, 'id' | 'via' | 'domains'>;
  query: Record<string, unknown>;
}

interface Envelope {
  /** The binding digest, base64url. */
  b: string;
  /** Expiry, ms since the epoch. */
  e: number;
  /** The use case's own position. */
  p: unknown;
}

export const invalidCursor = () => new ValidationError('The cursor is not valid', ['cursor']);

function bindingOf(scope: CursorScope): string {
  const { id, via, domains } = scope.actor;
  const query = Object.entries(scope.query)
    .filter(([name, value]) => name !== 'cursor' && name !== 'limit' && value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = JSON.stringify([scope.operation, id, via ?? null, domains, query]);
  return createHash('sha256').update(text).digest().subarray(0, BINDING_BYTES).toString('base64url');
}

const contextOf = (scope: CursorScope) => ({
  purpose: 'page-cursor' as const,
  serial: scope.operation,
  generation: 0,
});

export class PageCursors {
  constructor(
    private readonly sealer: Sealer,
    private readonly clock: () => Date,
  ) {}

  /** Seals a position; null stays null (the last page). */
  async seal(scope: CursorScope, position: unknown): Promise<string | null> {
    if (position === null || position === undefined) return null;
    const envelope: Envelope = {
      b: bindingOf(scope),
      e: this.clock().getTime() + CURSOR_LIFETIME_MS,
      p: position,
    };
    const sealed = await this.sealer.seal(Buffer.from(JSON.stringify(envelope)), contextOf(scope));
    return Buffer.from(JSON.stringify([sealed.keyId, sealed.ciphertext])).toString('base64url');
  }

  /** The position sealed in `text`, if it was made for this caller and query and has not expired. */
  async open(scope: CursorScope, text: string | undefined | null): Promise<unknown> {
    if (text === undefined || text === null) return null;
    let opened: Buffer;
    try {
      const parts: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
      if (!Array.isArray(parts) || parts.length !== 2 || !parts.every((p) => typeof p === 'string')) {
        throw invalidCursor();
      }
      const [keyId, ciphertext] = parts as [string, string];
      opened = await this.sealer.open({ keyId, ciphertext }, contextOf(scope));
    } catch (error) {
      // A cursor that does not open is the client's fault; a key service that does not answer is not.
      if (isAppError(error) && error.code === 'DEPENDENCY_UNAVAILABLE') throw error;
      throw invalidCursor();
    }
    let envelope: Envelope;
    try {
      envelope = JSON.parse(opened.toString('utf8')) as Envelope;
    } catch {
      throw invalidCursor();
    }
    if (envelope.b !== bindingOf(scope) || !(envelope.e > this.clock().getTime())) throw invalidCursor();
    return envelope.p;
  }
}
