/**
 * The version a change was based on, when the caller states one: any version of something that exists,
 * or one of the versions listed. A version is opaque text (a counter, or a tag of a token's items); the
 * edge turns it into an ETag and an If-Match back into this.
 */
export type ExpectedVersion = { readonly any: true } | { readonly oneOf: readonly string[] };

export function versionMatches(expected: ExpectedVersion, current: string): boolean {
  return 'any' in expected || expected.oneOf.includes(current);
}
