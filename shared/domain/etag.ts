/**
 * Whether an If-Match value names the ETag: `*` matches anything that exists, and a tag matches with or
 * without its surrounding quotes (a shell strips them from `--etag "1.1"`, and some clients never send
 * them). A weak tag (`W/"..."`) is compared by its value. Only ETags this service made are compared, so
 * dropping the quotes never makes two different versions equal.
 */
export function etagMatches(ifMatch: string, etag: string): boolean {
  const given = ifMatch.trim();
  if (given === '*') return true;
  return given.split(',').some((tag) => bare(tag) === bare(etag));
}

const bare = (tag: string): string =>
  tag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
