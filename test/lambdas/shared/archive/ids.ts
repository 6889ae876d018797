import * as fc from 'fast-check';

/**
 * Ids as they could arrive in a webhook or a caller id: mostly near-misses of each other, built
 * from the characters that once collapsed into one key (`/` and `_`), escapes spelled out
 * (`%2F`), relative segments, the reserved-folder mark `~`, non-ASCII, lone UTF-16 surrogates
 * (JSON can carry them), and ids long enough to be hashed.
 */
const TRICKY = ['a', 'b', '_', '/', '%', '2', 'F', 'E', '.', '~', '+', ' ', '\n', '\\', 'é', '😀', '\uD800', '\uDC00'];

const tricky = (maxLength: number) =>
  fc.array(fc.constantFrom(...TRICKY), { maxLength }).map((chars) => chars.join(''));

export const SAFE_ALPHABET = 'ABCXYZabcxyz0189-_.:@+';

export function safeIds(maxLength = 40): fc.Arbitrary<string> {
  return fc
    .array(fc.constantFrom(...SAFE_ALPHABET), { minLength: 1, maxLength })
    .map((chars) => chars.join(''))
    .filter((id) => id !== '.' && id !== '..');
}

export function ids(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: tricky(12) },
    { weight: 2, arbitrary: safeIds() },
    { weight: 1, arbitrary: fc.constantFrom('', '.', '..', 'raw', 'audio', '~raw', 'conv_a/b', 'conv_a_b') },
    { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 16 }).map(fromUnits) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
    // Long enough to be kept as a hash: near-misses that differ only late, or only in length.
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('x'.repeat(150), '/'.repeat(60)), tricky(6)).map(([a, b]) => a + b),
    },
  );
}

function fromUnits(units: number[]): string {
  return units.map((unit) => String.fromCharCode(unit)).join('');
}
