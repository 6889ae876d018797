import {
  AUDIO_PREFIX,
  CLIENT_DATA_PREFIX,
  RAW_POST_CALL_PREFIX,
  audioKeyOfSegment,
  callerClientDataPrefix,
  callerOfFolder,
  callerPrefix,
  parseRawPostCallKey,
} from '../lambdas/shared/archive/archive-keys';
import { decodeKeySegment } from '../lambdas/shared/archive/key-segment';
import { parseMemoryIdentity, scopedIdentity, type CallerId } from '../lambdas/shared/caller';
import type { Memory, MemoryStore } from '../lambdas/shared/memory';
import type { ArchiveAdmin } from './deployment';

/** Everything held under one memory identity of a caller. */
export interface IdentityData {
  /** The caller id alone, or `{scope}/{callerId}` in agent scope. */
  identity: CallerId;
  /**
   * The scope of the identity; null for the caller id alone (memory shared by every agent, and
   * the pre-call records of agents outside a memory-scope map).
   */
  scope: string | null;
  memories: Memory[];
  /**
   * Conversations under this identity: those with a per-caller transcript copy. Each is the id,
   * or its key segment when the id was too long to be kept whole in a key.
   */
  conversationIds: string[];
  /** `client-data/{identity}/…`: each pre-call request with the answer given. */
  preCallRecordKeys: string[];
  /** `post-call/{identity}/…`: the per-caller transcript copies. */
  transcriptKeys: string[];
  /** `post-call/audio/{conversation}.mp3` of their conversations. */
  audioKeys: string[];
  /** `post-call/raw/…/{conversation}/…`: every webhook of their conversations, as received. */
  rawKeys: string[];
}

/** Everything held about one caller: under each of their memory identities that holds anything. */
export interface CallerData {
  callerId: CallerId;
  /** The one scope asked for; undefined: every scope the caller has anything in. */
  scope?: string;
  /** The caller id alone first, then by scope. */
  identities: IdentityData[];
}

export function isEmpty(data: CallerData): boolean {
  return data.identities.every(isEmptyIdentity);
}

/** Every archived object of the caller, each once. */
export function archiveKeys(data: CallerData): string[] {
  return [...new Set(data.identities.flatMap(identityArchiveKeys))];
}

export function memoriesOf(data: CallerData): Memory[] {
  return data.identities.flatMap((entry) => entry.memories);
}

export function identityArchiveKeys(data: IdentityData): string[] {
  return [...data.preCallRecordKeys, ...data.transcriptKeys, ...data.audioKeys, ...data.rawKeys];
}

function isEmptyIdentity(data: IdentityData): boolean {
  return data.memories.length === 0 && identityArchiveKeys(data).length === 0;
}

type Holdings = { memory: MemoryStore; archive: ArchiveAdmin };

/** The folder whose sub-folders are the callers' transcript copies (and the inbox and recordings). */
const POST_CALL_PREFIX = 'post-call/';
const TRANSCRIPT_SUFFIX = '/transcript.json';

/**
 * Finds what is held about a caller: in `scope` only, or (without one) under every memory
 * identity of theirs, whatever the deployment's scope mode is now, so that a caller is found
 * (and erased) everywhere, including what an earlier configuration filed.
 */
export async function findCallerData(deployment: Holdings, callerId: CallerId, scope?: string): Promise<CallerData> {
  const identities = scope === undefined ? await identitiesOf(deployment, callerId) : [scopedIdentity(scope, callerId)];
  const found: IdentityData[] = [];
  for (const identity of identities) {
    const data = await findIdentityData(deployment, identity);
    if (!isEmptyIdentity(data)) found.push(data);
  }
  return { callerId, ...(scope === undefined ? {} : { scope }), identities: found };
}

/**
 * The caller's memory identities: the caller id itself, and each `{scope}/{callerId}` the memory
 * store has memories for or the archive has a per-caller folder of. An identity too long to be
 * kept whole in a key (a hashed folder) is found through the memory store only.
 */
export async function identitiesOf(deployment: Holdings, callerId: CallerId): Promise<CallerId[]> {
  const scoped = new Set<CallerId>();
  const consider = (candidate: string | undefined) => {
    if (candidate === undefined) return;
    const parsed = parseMemoryIdentity(candidate);
    if (parsed?.scope !== undefined && parsed.callerId === callerId && parsed.identity === candidate) {
      scoped.add(parsed.identity);
    }
  };
  for (const identity of await deployment.memory.callerIds()) consider(identity);
  for await (const folder of deployment.archive.folders(CLIENT_DATA_PREFIX)) consider(decodeKeySegment(folder));
  for await (const folder of deployment.archive.folders(POST_CALL_PREFIX)) consider(callerOfFolder(folder));
  return [callerId, ...[...scoped].sort()];
}

/**
 * Finds the memories and archived objects of one identity. Conversations are known by the
 * per-caller copies the ingest worker writes; their raw webhooks are found by listing the whole
 * inbox (keys only), whose folders are dated by arrival, not by caller.
 */
async function findIdentityData(deployment: Holdings, identity: CallerId): Promise<IdentityData> {
  const { archive } = deployment;
  const memories = await deployment.memory.listAll(identity);
  const preCallRecordKeys = await keysUnder(archive, callerClientDataPrefix(identity));

  const prefix = callerPrefix(identity);
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
  return {
    identity,
    scope: parseMemoryIdentity(identity)?.scope ?? null,
    memories,
    conversationIds,
    preCallRecordKeys,
    transcriptKeys,
    audioKeys,
    rawKeys,
  };
}

function isTranscriptCopy(relative: string): boolean {
  return relative.endsWith(TRANSCRIPT_SUFFIX) && relative.split('/').length === 2;
}

async function keysUnder(archive: ArchiveAdmin, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of archive.list(prefix)) keys.push(object.key);
  return keys;
}
