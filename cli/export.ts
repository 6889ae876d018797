import { audioKeyOfSegment } from '../lambdas/shared/archive/archive-keys';
import { decodeKeySegment } from '../lambdas/shared/archive/key-segment';
import type { CallerId } from '../lambdas/shared/caller';
import type { MemoryStore } from '../lambdas/shared/memory';
import { findCallerData, isEmpty } from './caller-data';
import { notFound } from './admin-error';
import type { ArchiveAdmin } from './deployment';

export const EXPORT_FORMAT = 'agentic-memory/caller-export@1';

/** Where an item is held: the memory identity, and its scope (null: shared by every agent). */
interface Held {
  identity: string;
  scope: string | null;
}

/** Everything held about a caller, as one JSON document (right of access). */
export interface CallerExport {
  format: typeof EXPORT_FORMAT;
  callerId: string;
  /** The one scope exported (`--scope`); absent: every scope the caller has anything in. */
  scope?: string;
  exportedAt: string;
  source: string;
  /** The memory identities the document covers. */
  identities: Held[];
  memories: Array<
    Held & { id: string; type: string; memory: string; createdAt?: string; metadata: Record<string, unknown> }
  >;
  /** Each conversation: the transcription webhook as archived, and its recording's key if there is one. */
  conversations: Array<
    Held & { conversationId: string; transcriptKey: string; transcript: unknown; audioKey?: string }
  >;
  /** Each pre-call request with the answer given. */
  preCallRecords: Array<Held & { key: string; record: unknown }>;
  audioKeys: string[];
  rawPayloadKeys: string[];
}

/**
 * Reads everything the deployment holds about a caller, in `scope` only or in every scope.
 * `onProgress` is told of each archived object read (transcripts and pre-call records), against
 * the total to read.
 */
export async function exportCaller(
  deployment: { memory: MemoryStore; archive: ArchiveAdmin; description: string },
  callerId: CallerId,
  options: { scope?: string; onProgress?: (done: number, total: number) => void } = {},
): Promise<CallerExport> {
  const { scope, onProgress } = options;
  const data = await findCallerData(deployment, callerId, scope);
  if (isEmpty(data)) {
    throw notFound(
      `nothing is held about caller ${callerId}${scope === undefined ? '' : ` in scope ${scope}`} in ${deployment.description}`,
    );
  }

  const total = data.identities.reduce(
    (sum, entry) => sum + entry.transcriptKeys.length + entry.preCallRecordKeys.length,
    0,
  );
  let done = 0;
  const read = async (key: string) => {
    const text = await deployment.archive.getText(key);
    onProgress?.(++done, total);
    return parseOrText(text);
  };
  onProgress?.(0, total);

  const document: CallerExport = {
    format: EXPORT_FORMAT,
    callerId,
    ...(scope === undefined ? {} : { scope }),
    exportedAt: new Date().toISOString(),
    source: deployment.description,
    identities: data.identities.map(({ identity, scope: held }) => ({ identity, scope: held })),
    memories: [],
    conversations: [],
    preCallRecords: [],
    audioKeys: [],
    rawPayloadKeys: [],
  };
  for (const entry of data.identities) {
    const held: Held = { identity: entry.identity, scope: entry.scope };
    for (const memory of entry.memories) {
      document.memories.push({
        ...held,
        id: memory.id,
        type: memory.metadata.type,
        memory: memory.memory,
        ...(memory.createdAt ? { createdAt: memory.createdAt } : {}),
        metadata: { ...memory.metadata },
      });
    }
    for (const key of entry.transcriptKeys) {
      const segment = key.split('/').slice(-2)[0];
      const audioKey = entry.audioKeys.find((audio) => audio === audioKeyOfSegment(segment));
      document.conversations.push({
        ...held,
        conversationId: decodeKeySegment(segment) ?? segment,
        transcriptKey: key,
        transcript: await read(key),
        ...(audioKey ? { audioKey } : {}),
      });
    }
    for (const key of entry.preCallRecordKeys) document.preCallRecords.push({ ...held, key, record: await read(key) });
    document.audioKeys.push(...entry.audioKeys);
    document.rawPayloadKeys.push(...entry.rawKeys);
  }
  return document;
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
