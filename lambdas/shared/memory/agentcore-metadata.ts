import type { MemoryRecordMetadataValue, MetadataValue } from '@aws-sdk/client-bedrock-agentcore';
import { MEMORY_TYPES, MemoryStoreError, type MemoryMetadata, type MemoryType } from './memory-store';

/**
 * Our memory metadata on AgentCore records and events. AgentCore metadata values are short and
 * of a narrow alphabet (SDK model: MetadataValue and MemoryRecordMetadataValue `stringValue`,
 * at most 256 characters of `[a-zA-Z0-9\s._:/=+@-]`; at most 15 entries on an event, 20 on a
 * record; keys of the same alphabet), while ours holds free text (a caller's profile:
 * `{ user_name: "Zoë O'Brien" }`). So the whole metadata travels as base64url JSON cut into
 * 256-character entries (`am.meta.0`, `am.meta.1`, …), beside a few plain entries the adapter
 * reads without decoding: the memory type, a digest of the content (what makes a write
 * idempotent), the part of a transcript an event holds, and for a hashed actor id the identity.
 */

export const MAX_EVENT_METADATA_ENTRIES = 15;
export const MAX_RECORD_METADATA_ENTRIES = 20;
const MAX_VALUE_CHARS = 256;
/** Identities are at most 257 characters (scope 128 + '/' + caller 128): two entries always hold one. */
const IDENTITY_ENTRY_CHARS = 200;

export const METADATA_KEY = {
  type: 'am.type',
  digest: 'am.digest',
  part: 'am.part',
  parts: 'am.parts',
  meta: 'am.meta.',
  identity: 'am.identity.',
} as const;

/** What the adapter writes beside the encoded metadata. */
export interface PlainEntries {
  type: MemoryType;
  digest: string;
  /** Transcript events: this event's place in the conversation, from 1. */
  part?: number;
  parts?: number;
  /** Only for an actor id that hides its identity behind a hash. */
  identity?: string;
}

/** What the adapter reads back. */
export interface DecodedEntries {
  type?: MemoryType;
  digest?: string;
  part?: number;
  parts?: number;
  identity?: string;
  metadata?: MemoryMetadata;
}

/** The string entries, before they become event or record metadata values. */
function entriesOf(plain: PlainEntries, metadata: MemoryMetadata, maxEntries: number): Array<[string, string]> {
  const entries: Array<[string, string]> = [
    [METADATA_KEY.type, plain.type],
    [METADATA_KEY.digest, plain.digest],
  ];
  if (plain.part !== undefined) entries.push([METADATA_KEY.part, String(plain.part)]);
  if (plain.parts !== undefined) entries.push([METADATA_KEY.parts, String(plain.parts)]);
  if (plain.identity !== undefined) {
    chunk(plain.identity, IDENTITY_ENTRY_CHARS).forEach((piece, i) =>
      entries.push([`${METADATA_KEY.identity}${i}`, piece]),
    );
  }
  const encoded = Buffer.from(JSON.stringify(metadata), 'utf8').toString('base64url');
  const pieces = chunk(encoded, MAX_VALUE_CHARS);
  const room = maxEntries - entries.length;
  if (pieces.length > room) {
    throw new MemoryStoreError(
      `memory metadata is ${encoded.length} characters encoded; AgentCore metadata holds at most ` +
        `${room * MAX_VALUE_CHARS} beside the adapter's own entries`,
      false,
    );
  }
  pieces.forEach((piece, i) => entries.push([`${METADATA_KEY.meta}${i}`, piece]));
  return entries;
}

export function eventMetadata(plain: PlainEntries, metadata: MemoryMetadata): Record<string, MetadataValue> {
  return Object.fromEntries(
    entriesOf(plain, metadata, MAX_EVENT_METADATA_ENTRIES).map(([key, value]) => [key, { stringValue: value }]),
  );
}

export function recordMetadata(
  plain: PlainEntries,
  metadata: MemoryMetadata,
): Record<string, MemoryRecordMetadataValue> {
  return Object.fromEntries(
    entriesOf(plain, metadata, MAX_RECORD_METADATA_ENTRIES).map(([key, value]) => [key, { stringValue: value }]),
  );
}

/** Reads event or record metadata back; entries this adapter did not write are ignored. */
export function decodeEntries(
  raw: Record<string, MetadataValue | MemoryRecordMetadataValue> | undefined,
): DecodedEntries {
  const strings = new Map<string, string>();
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (typeof value?.stringValue === 'string') strings.set(key, value.stringValue);
  }
  const decoded: DecodedEntries = {};
  const type = strings.get(METADATA_KEY.type);
  if (MEMORY_TYPES.includes(type as MemoryType)) decoded.type = type as MemoryType;
  const digest = strings.get(METADATA_KEY.digest);
  if (digest) decoded.digest = digest;
  const part = Number(strings.get(METADATA_KEY.part));
  const parts = Number(strings.get(METADATA_KEY.parts));
  if (Number.isInteger(part) && part > 0) decoded.part = part;
  if (Number.isInteger(parts) && parts > 0) decoded.parts = parts;
  const identity = joined(strings, METADATA_KEY.identity);
  if (identity) decoded.identity = identity;
  const encoded = joined(strings, METADATA_KEY.meta);
  if (encoded) {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        const metadata = parsed as MemoryMetadata;
        if (MEMORY_TYPES.includes(metadata.type)) decoded.metadata = metadata;
      }
    } catch {
      // Damaged metadata loses the metadata, not the memory.
    }
  }
  return decoded;
}

/** `prefix0`, `prefix1`, … joined in order, stopping at the first gap. */
function joined(strings: Map<string, string>, prefix: string): string | undefined {
  let text = '';
  for (let i = 0; strings.has(`${prefix}${i}`); i++) text += strings.get(`${prefix}${i}`);
  return text === '' ? undefined : text;
}

function chunk(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}
