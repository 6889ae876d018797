import { createHash } from 'node:crypto';

/**
 * Ids from outside (conversation ids, caller ids, memory identities, call sids, event types) as
 * ONE path segment of an archive key, so that two different ids never share a key.
 *
 * - An id made only of `[A-Za-z0-9-_.:@+]` is its own segment, byte for byte: keys written before
 *   this encoding existed keep their meaning.
 * - Any other character, and `%` itself, is percent-encoded as its UTF-8 bytes (`/` → `%2F`), so
 *   a memory identity `clinic-a/+15551234567` is the one segment `clinic-a%2F+15551234567` and
 *   the segment reads back with decodeURIComponent. A lone UTF-16 surrogate (JSON can carry one)
 *   is encoded as the three bytes its code point would take (WTF-8), so it never collapses into
 *   U+FFFD as plain UTF-8 encoding would make it.
 * - The whole segments `.` and `..` are encoded (`%2E`, `%2E%2E`): never a relative path. The
 *   empty id is `%` alone, which no other id produces (`%` is otherwise always `%25`).
 * - A segment longer than MAX_SEGMENT_LENGTH (S3 keys are at most 1,024 bytes and a local
 *   file name 255) becomes its first characters, `~`, and a SHA-256 of the whole encoding. `~`
 *   never occurs in an encoded id (it is `%7E`), so a hashed segment cannot equal an encoded one;
 *   it is the one form that cannot be decoded, and is found by encoding the id again.
 */
export const MAX_SEGMENT_LENGTH = 160;
const HASHED_HEAD_LENGTH = 96;
const HASH_HEX_LENGTH = 40;
const HASH_MARK = '~';
const EMPTY_SEGMENT = '%';

const SAFE_CHAR = /^[A-Za-z0-9\-_.:@+]$/;
const SAFE_ID = /^[A-Za-z0-9\-_.:@+]+$/;
const ENCODED_SEGMENT = /^(?:[A-Za-z0-9\-_.:@+]|%[0-9A-F]{2})+$/;
const HASHED_SEGMENT = new RegExp(`^(?:[A-Za-z0-9\\-_.:@+]|%[0-9A-F]{2})+~[0-9a-f]{${HASH_HEX_LENGTH}}$`);

export function encodeKeySegment(id: string): string {
  const encoded = encodeFully(id);
  if (encoded.length <= MAX_SEGMENT_LENGTH) return encoded;
  let head = encoded.slice(0, HASHED_HEAD_LENGTH);
  // Never cut an escape in two: the head stays readable.
  const escape = head.lastIndexOf('%');
  if (escape > head.length - 3) head = head.slice(0, escape);
  const hash = createHash('sha256').update(encoded, 'utf8').digest('hex').slice(0, HASH_HEX_LENGTH);
  return `${head}${HASH_MARK}${hash}`;
}

/**
 * The id a segment was made from; undefined for a hashed segment (an id too long to keep) and
 * for anything `encodeKeySegment` never produces.
 */
export function decodeKeySegment(segment: string): string | undefined {
  if (segment === EMPTY_SEGMENT) return '';
  if (SAFE_ID.test(segment)) return segment === '.' || segment === '..' ? undefined : segment;
  if (!ENCODED_SEGMENT.test(segment)) return undefined;
  const id = decodeWtf8(percentDecode(segment));
  // Only the canonical spelling is ours (e.g. not `%41` for `A`, nor an overlong UTF-8 form).
  return id !== undefined && encodeKeySegment(id) === segment ? id : undefined;
}

/** Whether a segment is the hashed form of an id too long to keep whole. */
export function isHashedKeySegment(segment: string): boolean {
  return HASHED_SEGMENT.test(segment);
}

function encodeFully(id: string): string {
  if (id === '') return EMPTY_SEGMENT;
  if (id === '.') return '%2E';
  if (id === '..') return '%2E%2E';
  if (SAFE_ID.test(id)) return id;
  let out = '';
  for (const char of id) {
    if (SAFE_CHAR.test(char)) out += char;
    else for (const byte of wtf8Bytes(char.codePointAt(0) as number)) out += `%${hex2(byte)}`;
  }
  return out;
}

function hex2(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}

/** UTF-8 bytes of a code point; a lone surrogate (U+D800–U+DFFF) gets the same 3-byte form (WTF-8). */
function wtf8Bytes(codePoint: number): number[] {
  if (codePoint < 0x80) return [codePoint];
  if (codePoint < 0x800) return [0xc0 | (codePoint >> 6), 0x80 | (codePoint & 0x3f)];
  if (codePoint < 0x10000) {
    return [0xe0 | (codePoint >> 12), 0x80 | ((codePoint >> 6) & 0x3f), 0x80 | (codePoint & 0x3f)];
  }
  return [
    0xf0 | (codePoint >> 18),
    0x80 | ((codePoint >> 12) & 0x3f),
    0x80 | ((codePoint >> 6) & 0x3f),
    0x80 | (codePoint & 0x3f),
  ];
}

function percentDecode(segment: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    if (segment[i] === '%') {
      bytes.push(parseInt(segment.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(segment.charCodeAt(i));
    }
  }
  return bytes;
}

/** Reads WTF-8 back into a string; undefined for bytes that are not. Canonical form is checked by the caller. */
function decodeWtf8(bytes: number[]): string | undefined {
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i];
    const length = lead < 0x80 ? 1 : lead >= 0xf0 && lead < 0xf8 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
    if (length === 0 || i + length > bytes.length) return undefined;
    let codePoint = length === 1 ? lead : lead & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if ((next & 0xc0) !== 0x80) return undefined;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    if (codePoint > 0x10ffff) return undefined;
    out += String.fromCodePoint(codePoint);
    i += length;
  }
  return out;
}
