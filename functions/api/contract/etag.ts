import type { ExpectedVersion } from '../../../shared/domain/version';

/** A version as the API shows it: a strong ETag. */
export const etagOf = (version: string | number): string => `"${version}"`;

/**
 * The version an If-Match header names: `*` is any version of something that exists, and a tag counts
 * with or without its surrounding quotes (a shell strips them from `--etag "1.1"`, and some clients never
 * send them). A weak tag (`W/"..."`) is compared by its value. Only ETags this service made are compared,
 * so dropping the quotes never makes two different versions equal. No header (or an empty one) states no
 * version.
 */
export function expectedVersionOf(ifMatch: string | undefined): ExpectedVersion | undefined {
  const given = ifMatch?.trim();
  if (given === undefined || given === '') return undefined;
  if (given === '*') return { any: true };
  return { oneOf: given.split(',').map(bare) };
}

const bare = (tag: string): string =>
  tag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
