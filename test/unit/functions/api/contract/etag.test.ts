import { versionMatches } from '../../../../../shared/domain/version';
import { etagOf, expectedVersionOf } from '../../../../../functions/api/contract/etag';

describe('If-Match against a version', () => {
  it.each([
    ['"1.1"', '1.1', true],
    ['1.1', '1.1', true],
    [' "1.1" ', '1.1', true],
    ['W/"1.1"', '1.1', true],
    ['"0.9", 1.1', '1.1', true],
    ['*', '1.1', true],
    ['1.2', '1.1', false],
    ['"1"', '1.1', false],
    ['""1.1""', '1.1', false],
  ])('If-Match %s against version %s: %s', (ifMatch, version, expected) => {
    const wanted = expectedVersionOf(ifMatch);
    expect(wanted !== undefined && versionMatches(wanted, version)).toBe(expected);
  });

  it('states no version without a header or with an empty one', () => {
    expect(expectedVersionOf(undefined)).toBeUndefined();
    expect(expectedVersionOf('')).toBeUndefined();
  });

  it('an ETag made of a version is matched by that version', () => {
    expect(versionMatches(expectedVersionOf(etagOf('abc'))!, 'abc')).toBe(true);
  });
});
