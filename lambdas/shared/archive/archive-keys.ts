import { createHash } from 'node:crypto';
import { decodeKeySegment, encodeKeySegment } from './key-segment';

/**
 * Where each thing lives in the archive bucket.
 *
 *   client-data/{caller}/{date}/{time}-{call}.json         pre-call request + answer
 *   post-call/raw/{date}/{conversation}/{type}-{hash}.json  every signed webhook, as received (inbox)
 *   post-call/{caller}/{conversation}/transcript.json        per-caller copy, written by ingest
 *   post-call/audio/{conversation}.mp3                      the recording, keyed by conversation only
 *
 * Only `post-call/raw/` triggers ingestion. The raw key carries a hash of the body, so a
 * byte-identical retry lands on the same key instead of creating a second payload.
 *
 * Every id in a key is one segment made by `encodeKeySegment` (key-segment.ts): ids of the
 * usual alphabet as they are, anything else percent-encoded, so two different ids never share
 * a key and each reads back with `decodeKeySegment`. `{caller}` is a memory identity, which may
 * hold one '/' (`clinic-a/+15551234567` → `clinic-a%2F+15551234567`).
 */
export const RAW_POST_CALL_PREFIX = 'post-call/raw/';
export const AUDIO_PREFIX = 'post-call/audio/';
export const CLIENT_DATA_PREFIX = 'client-data/';
const POST_CALL_PREFIX = 'post-call/';
const AUDIO_SUFFIX = '.mp3';

function datePath(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function clientDataKey(callerId: string, callSid: string | undefined, at: Date): string {
  const time = at.toISOString().slice(11, 23).replace(/[:.]/g, '');
  const call = callSid
    ? encodeKeySegment(callSid)
    : createHash('sha256').update(`${callerId}${at.getTime()}`).digest('hex').slice(0, 12);
  return `${callerClientDataPrefix(callerId)}${datePath(at)}/${time}-${call}.json`;
}

export function rawPostCallKey(type: string, conversationId: string, rawBody: Buffer, receivedAt: Date): string {
  const hash = createHash('sha256').update(rawBody).digest('hex').slice(0, 16);
  return `${RAW_POST_CALL_PREFIX}${datePath(receivedAt)}/${encodeKeySegment(conversationId)}/${encodeKeySegment(type)}-${hash}.json`;
}

export interface RawPostCallKey {
  /** The conversation's segment of the key: `encodeKeySegment(conversationId)`. */
  conversationSegment: string;
  /** The conversation id; undefined when the key holds only a hash of it (an id too long to keep). */
  conversationId?: string;
  /** The payload's type, likewise. */
  type?: string;
}

const RAW_KEY = /^post-call\/raw\/\d{4}-\d{2}-\d{2}\/([^/]+)\/([^/]+)-[0-9a-f]{16}\.json$/;

/** Reads a raw inbox key back; anything else is not ours to ingest. */
export function parseRawPostCallKey(key: string): RawPostCallKey | undefined {
  const match = RAW_KEY.exec(key);
  if (!match) return undefined;
  const conversationId = decodeKeySegment(match[1]);
  const type = decodeKeySegment(match[2]);
  return {
    conversationSegment: match[1],
    ...(conversationId === undefined ? {} : { conversationId }),
    ...(type === undefined ? {} : { type }),
  };
}

/**
 * Folders of post-call/ that are not callers. A caller id spelled like one gets a '~' in front:
 * '~' never starts an encoded segment (it is encoded as `%7E`), so the escape is unambiguous.
 */
const RESERVED_POST_CALL_FOLDERS = new Set(['raw', 'audio']);
const RESERVED_ESCAPE = '~';

/** The folder of a caller (memory identity) under post-call/. */
export function callerFolder(callerId: string): string {
  const folder = encodeKeySegment(callerId);
  return RESERVED_POST_CALL_FOLDERS.has(folder) ? `${RESERVED_ESCAPE}${folder}` : folder;
}

/** The caller a post-call/ folder belongs to; undefined for the inbox, the recordings and hashed folders. */
export function callerOfFolder(folder: string): string | undefined {
  if (RESERVED_POST_CALL_FOLDERS.has(folder)) return undefined;
  if (folder.startsWith(RESERVED_ESCAPE)) {
    const reserved = folder.slice(RESERVED_ESCAPE.length);
    return RESERVED_POST_CALL_FOLDERS.has(reserved) ? reserved : undefined;
  }
  return decodeKeySegment(folder);
}

export function callerPrefix(callerId: string): string {
  return `${POST_CALL_PREFIX}${callerFolder(callerId)}/`;
}

export function callerTranscriptKey(callerId: string, conversationId: string): string {
  return `${callerPrefix(callerId)}${encodeKeySegment(conversationId)}/transcript.json`;
}

export function callerClientDataPrefix(callerId: string): string {
  return `${CLIENT_DATA_PREFIX}${encodeKeySegment(callerId)}/`;
}

export function audioKey(conversationId: string): string {
  return audioKeyOfSegment(encodeKeySegment(conversationId));
}

/** The recording's key from the conversation's segment of another key (e.g. a per-caller copy's). */
export function audioKeyOfSegment(conversationSegment: string): string {
  return `${AUDIO_PREFIX}${conversationSegment}${AUDIO_SUFFIX}`;
}

/** The conversation segment of a recording's key, or undefined for any other key. */
export function conversationSegmentOfAudioKey(key: string): string | undefined {
  if (!key.startsWith(AUDIO_PREFIX) || !key.endsWith(AUDIO_SUFFIX)) return undefined;
  const segment = key.slice(AUDIO_PREFIX.length, -AUDIO_SUFFIX.length);
  return segment === '' || segment.includes('/') ? undefined : segment;
}
