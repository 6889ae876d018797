import * as fc from 'fast-check';
import {
  MAX_SEGMENT_LENGTH,
  decodeKeySegment,
  encodeKeySegment,
  isHashedKeySegment,
} from '../../../../lambdas/shared/archive/key-segment';
import { ids, safeIds } from './ids';

const SEGMENT_ALPHABET = /^[A-Za-z0-9\-_.:@+%~]+$/;

describe('archive key segments', () => {
  it('keeps ids of the usual alphabet byte for byte, so existing archives keep working', () => {
    for (const id of ['conv_01jzfrjvcce0vsea1fcbpp9p04', '+16125550142', 'post_call_transcription', 'a.b:c@d-e']) {
      expect(encodeKeySegment(id)).toBe(id);
    }
  });

  it('percent-encodes every other byte, % itself, and the relative and empty segments', () => {
    expect(encodeKeySegment('conv_a/b')).toBe('conv_a%2Fb');
    expect(encodeKeySegment('50%')).toBe('50%25');
    expect(encodeKeySegment('a b\n')).toBe('a%20b%0A');
    expect(encodeKeySegment('~raw')).toBe('%7Eraw');
    expect(encodeKeySegment('é')).toBe('%C3%A9');
    expect(encodeKeySegment('.')).toBe('%2E');
    expect(encodeKeySegment('..')).toBe('%2E%2E');
    expect(encodeKeySegment('')).toBe('%');
    expect(encodeKeySegment('...')).toBe('...');
  });

  it('keeps a lone surrogate apart from the replacement character UTF-8 would turn it into', () => {
    expect(encodeKeySegment('\uD800')).toBe('%ED%A0%80');
    expect(encodeKeySegment('\uFFFD')).toBe('%EF%BF%BD');
    expect(decodeKeySegment('%ED%A0%80')).toBe('\uD800');
    // A pair spelled as two lone surrogates is not the canonical form of the character.
    expect(decodeKeySegment('%ED%A0%BD%ED%B8%80')).toBeUndefined();
    expect(decodeKeySegment(encodeKeySegment('😀'))).toBe('😀');
  });

  it('reads back only what it writes', () => {
    for (const foreign of [
      '%41',
      '%2f',
      '%',
      '%%',
      '%2',
      'a/b',
      '.',
      '..',
      'a~b',
      '%C3',
      '%C0%AF',
      '%F8%80%80%80%80',
    ]) {
      if (foreign === '%') continue; // the empty id
      expect(decodeKeySegment(foreign)).toBeUndefined();
    }
    expect(decodeKeySegment('%')).toBe('');
  });

  it('bounds a long id by a hash of the whole id, never by cutting it', () => {
    const long = `conv_${'x'.repeat(300)}`;
    const segment = encodeKeySegment(long);
    expect(segment.length).toBeLessThanOrEqual(MAX_SEGMENT_LENGTH);
    expect(isHashedKeySegment(segment)).toBe(true);
    expect(segment.startsWith('conv_xxx')).toBe(true);
    expect(decodeKeySegment(segment)).toBeUndefined();
    expect(encodeKeySegment(`${long}y`)).not.toBe(segment);
    expect(encodeKeySegment(long.slice(0, -1))).not.toBe(segment);
    // An escape is never cut in two at the head.
    expect(encodeKeySegment(`${'a'.repeat(95)}${'/'.repeat(100)}`)).toMatch(/^a{95}~[0-9a-f]{40}$/);
  });

  describe('for any ids (property)', () => {
    it('decodes every segment that is not a hash back to its id, with decodeURIComponent where the id is well-formed', () => {
      fc.assert(
        fc.property(ids(), (id) => {
          const segment = encodeKeySegment(id);
          expect(segment).toMatch(SEGMENT_ALPHABET);
          expect(segment.length).toBeLessThanOrEqual(MAX_SEGMENT_LENGTH);
          expect(['', '.', '..']).not.toContain(segment);
          if (isHashedKeySegment(segment)) {
            expect(decodeKeySegment(segment)).toBeUndefined();
          } else {
            expect(decodeKeySegment(segment)).toBe(id);
            if (isWellFormed(id) && id !== '') expect(decodeURIComponent(segment)).toBe(id);
          }
        }),
        { numRuns: 5000 },
      );
    });

    it('never gives two different ids the same segment', () => {
      fc.assert(
        fc.property(fc.uniqueArray(ids(), { minLength: 2, maxLength: 60 }), (distinct) => {
          const segments = distinct.map(encodeKeySegment);
          expect(new Set(segments).size).toBe(distinct.length);
        }),
        { numRuns: 1000 },
      );
    });

    it('never gives an id and a one-character variant of it the same segment', () => {
      const variant = fc
        .tuple(ids(), fc.nat(), fc.constantFrom('_', '/', '%', '.', '~', '\uD800', '\uFFFD', ''))
        .map(([id, at, replacement]) => {
          const position = id.length === 0 ? 0 : at % id.length;
          return [id, id.slice(0, position) + replacement + id.slice(position + 1)] as const;
        });
      fc.assert(
        fc.property(variant, ([id, other]) => {
          fc.pre(id !== other);
          expect(encodeKeySegment(id)).not.toBe(encodeKeySegment(other));
        }),
        { numRuns: 5000 },
      );
    });

    it('leaves ids of the usual alphabet unchanged', () => {
      fc.assert(fc.property(safeIds(MAX_SEGMENT_LENGTH), (id) => expect(encodeKeySegment(id)).toBe(id)));
    });
  });
});

/** No lone surrogates: then the segment is plain percent-encoded UTF-8. */
function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}
