import {
  AUDIO_PREFIX,
  RAW_POST_CALL_PREFIX,
  audioKeyOfSegment,
  callerClientDataPrefix,
  callerPrefix,
  parseRawPostCallKey,
} from '../shared/archive/archive-keys';
import { decodeKeySegment } from '../shared/archive/key-segment';
import type { CallerId } from '../shared/caller';
import type { Memory, MemoryStore } from '../shared/memory';
import type { ArchiveAdmin } from './deployment';

/** Everything held about one caller, found by their id. */
export interface CallerData {
  callerId: CallerId;
  memories: Memory[];
  /**
   * Conversations of the caller: those with a per-caller transcript copy. Each is the id, or its
   * key segment when the id was too long to be kept whole in a key.
   */
  conversationIds: string[];
  /** `client-data/{caller}/…`: each pre-call request with the answer given. */
  preCallRecordKeys: string[];
  /** `post-call/{caller}/…`: the per-caller transcript copies. */
  transcriptKeys: string[];
  /** `post-call/audio/{conversation}.mp3` of their conversations. */
  audioKeys: string[];
  /** `post-call/raw/…/{conversation}/…`: every webhook of their conversations, as received. */
  rawKeys: string[];
}

export function isEmpty(data: CallerData): boolean {
  return data.memories.length === 0 && archiveKeys(data).length === 0;
}

export function archiveKeys(data: CallerData): string[] {
  return [...data.preCallRecordKeys, ...data.transcriptKeys, ...data.audioKeys, ...data.rawKeys];
}

const TRANSCRIPT_SUFFIX = '/transcript.json';

/**
 * Finds a caller's memories and archived objects. Conversations are known by the per-caller
 * copies the ingest worker writes; their raw webhooks are found by listing the whole inbox (keys
 * only), whose folders are dated by arrival, not by caller.
 */
export async function findCallerData(
  deployment: { memory: MemoryStore; archive: ArchiveAdmin },
  callerId: CallerId,
): Promise<CallerData> {
  const { archive } = deployment;
  const memories = await deployment.memory.listAll(callerId);
  const preCallRecordKeys = await keysUnder(archive, callerClientDataPrefix(callerId));

  const prefix = callerPrefix(callerId);
  // A caller id spelled like a sibling folder ("raw", "audio") shares its prefix: take only
  // what has the shape of a per-caller copy, never the inbox or the recordings.
  const sharesFolder = prefix === RAW_POST_CALL_PREFIX || prefix === AUDIO_PREFIX;
  const transcriptKeys = (await keysUnder(archive, prefix)).filter(
    (key) => !sharesFolder || isTranscriptCopy(key.slice(prefix.length)),
  );
  // Conversations are matched by their key segment, never by a decoded id: the same segment is
  // in the inbox and recording keys, even for an id too long to be kept whole.
  const conversationSegments = [
    ...new Set(
      transcriptKeys
        .filter((key) => isTranscriptCopy(key.slice(prefix.length)))
        .map((key) => key.slice(prefix.length).split('/')[0]),
    ),
  ];
  const conversationIds = conversationSegments.map((segment) => decodeKeySegment(segment) ?? segment);

  const audioKeys: string[] = [];
  for (const segment of conversationSegments) {
    const key = audioKeyOfSegment(segment);
    if ((await keysUnder(archive, key)).includes(key)) audioKeys.push(key);
  }

  const wanted = new Set(conversationSegments);
  const rawKeys: string[] = [];
  if (wanted.size > 0) {
    for await (const object of archive.list(RAW_POST_CALL_PREFIX)) {
      const raw = parseRawPostCallKey(object.key);
      if (raw && wanted.has(raw.conversationSegment)) rawKeys.push(object.key);
    }
  }
  return { callerId, memories, conversationIds, preCallRecordKeys, transcriptKeys, audioKeys, rawKeys };
}

function isTranscriptCopy(relative: string): boolean {
  return relative.endsWith(TRANSCRIPT_SUFFIX) && relative.split('/').length === 2;
}

async function keysUnder(archive: ArchiveAdmin, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of archive.list(prefix)) keys.push(object.key);
  return keys;
}
