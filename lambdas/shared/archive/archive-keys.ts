import { createHash } from 'node:crypto';

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
 */
export const RAW_POST_CALL_PREFIX = 'post-call/raw/';
export const AUDIO_PREFIX = 'post-call/audio/';
export const CLIENT_DATA_PREFIX = 'client-data/';

const SAFE_SEGMENT = /[^A-Za-z0-9\-_.:@+]/g;

/** Ids come from outside: never let one become a path separator or a relative segment. */
function segment(value: string): string {
  const cleaned = value.replace(SAFE_SEGMENT, '_').slice(0, 128);
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? '_' : cleaned;
}

function datePath(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function clientDataKey(callerId: string, callSid: string | undefined, at: Date): string {
  const time = at.toISOString().slice(11, 23).replace(/[:.]/g, '');
  const call = callSid
    ? segment(callSid)
    : createHash('sha256').update(`${callerId}${at.getTime()}`).digest('hex').slice(0, 12);
  return `${CLIENT_DATA_PREFIX}${segment(callerId)}/${datePath(at)}/${time}-${call}.json`;
}

export function rawPostCallKey(type: string, conversationId: string, rawBody: Buffer, receivedAt: Date): string {
  const hash = createHash('sha256').update(rawBody).digest('hex').slice(0, 16);
  return `${RAW_POST_CALL_PREFIX}${datePath(receivedAt)}/${segment(conversationId)}/${segment(type)}-${hash}.json`;
}

export interface RawPostCallKey {
  conversationId: string;
  type: string;
}

const RAW_KEY = /^post-call\/raw\/\d{4}-\d{2}-\d{2}\/([^/]+)\/([^/]+)-[0-9a-f]{16}\.json$/;

/** Reads a raw inbox key back; anything else is not ours to ingest. */
export function parseRawPostCallKey(key: string): RawPostCallKey | undefined {
  const match = RAW_KEY.exec(key);
  return match ? { conversationId: match[1], type: match[2] } : undefined;
}

/** Folders of post-call/ that are not callers; '~' is never part of a caller id, so escaping is unambiguous. */
const RESERVED_POST_CALL_FOLDERS = new Set(['raw', 'audio']);

export function callerPrefix(callerId: string): string {
  const folder = segment(callerId);
  return `post-call/${RESERVED_POST_CALL_FOLDERS.has(folder) ? `~${folder}` : folder}/`;
}

export function callerTranscriptKey(callerId: string, conversationId: string): string {
  return `${callerPrefix(callerId)}${segment(conversationId)}/transcript.json`;
}

export function callerClientDataPrefix(callerId: string): string {
  return `${CLIENT_DATA_PREFIX}${segment(callerId)}/`;
}

export function audioKey(conversationId: string): string {
  return `${AUDIO_PREFIX}${segment(conversationId)}.mp3`;
}
