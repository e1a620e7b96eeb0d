import { etagMatches } from '../../../shared/domain/etag';

describe('etagMatches', () => {
  it.each([
    ['"1.1"', '"1.1"', true],
    ['1.1', '"1.1"', true],
    [' "1.1" ', '"1.1"', true],
    ['W/"1.1"', '"1.1"', true],
    ['"0.9", 1.1', '"1.1"', true],
    ['*', '"1.1"', true],
    ['1.2', '"1.1"', false],
    ['"1"', '"1.1"', false],
    ['', '"1.1"', false],
    ['""1.1""', '"1.1"', false],
  ])('If-Match %s against %s: %s', (ifMatch, etag, expected) => {
    expect(etagMatches(ifMatch, etag)).toBe(expected);
  });
});
