/**
 * The one folding rule for people's names, used wherever a name is keyed or compared: compatibility
 * decomposition (NFKD), accents removed, `#` (the index keys' separator) as a space, trimmed, lower-cased.
 */
export function foldName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/#/g, ' ')
    .trim()
    .toLowerCase();
}

/**
 * NFKD can multiply a name's length (U+FDFA becomes 18 characters): names are bounded after folding, so
 * that two of them and a serial always fit a DynamoDB index sort key (1024 bytes).
 */
export const MAX_FOLDED_NAME_BYTES = 256;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a name cannot be stored or searched for, or null when it can. */
export function nameProblem(name: string): string | null {
  if (LONE_SURROGATE.test(name)) return 'is not well-formed Unicode';
  const folded = foldName(name);
  if (folded === '') return 'has no letters once accents are removed';
  if (Buffer.byteLength(folded, 'utf8') > MAX_FOLDED_NAME_BYTES) {
    return `is longer than ${MAX_FOLDED_NAME_BYTES} bytes once normalised`;
  }
  return null;
}

/** True when `value` folds to something that starts with what `prefix` folds to. */
export const startsWithFolded = (value: string | undefined, prefix: string | undefined): boolean =>
  prefix === undefined || foldName(value ?? '').startsWith(foldName(prefix));
