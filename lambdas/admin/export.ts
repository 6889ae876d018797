import { audioKeyOfSegment } from '../shared/archive/archive-keys';
import { decodeKeySegment } from '../shared/archive/key-segment';
import type { CallerId } from '../shared/caller';
import type { MemoryStore } from '../shared/memory';
import { findCallerData, isEmpty } from './caller-data';
import { notFound } from './admin-error';
import type { ArchiveAdmin } from './deployment';

export const EXPORT_FORMAT = 'agentic-memory/caller-export@1';

/** Everything held about a caller, as one JSON document (right of access). */
export interface CallerExport {
  format: typeof EXPORT_FORMAT;
  callerId: string;
  exportedAt: string;
  source: string;
  memories: Array<{ id: string; type: string; memory: string; createdAt?: string; metadata: Record<string, unknown> }>;
  /** Each conversation: the transcription webhook as archived, and its recording's key if there is one. */
  conversations: Array<{ conversationId: string; transcriptKey: string; transcript: unknown; audioKey?: string }>;
  /** Each pre-call request with the answer given. */
  preCallRecords: Array<{ key: string; record: unknown }>;
  audioKeys: string[];
  rawPayloadKeys: string[];
}

/**
 * Reads everything the deployment holds about a caller. `onProgress` is told of each archived
 * object read (transcripts and pre-call records), against the total to read.
 */
export async function exportCaller(
  deployment: { memory: MemoryStore; archive: ArchiveAdmin; description: string },
  callerId: CallerId,
  onProgress?: (done: number, total: number) => void,
): Promise<CallerExport> {
  const data = await findCallerData(deployment, callerId);
  if (isEmpty(data)) throw notFound(`nothing is held about caller ${callerId} in ${deployment.description}`);

  const total = data.transcriptKeys.length + data.preCallRecordKeys.length;
  let done = 0;
  const read = async (key: string) => {
    const text = await deployment.archive.getText(key);
    onProgress?.(++done, total);
    return parseOrText(text);
  };
  onProgress?.(0, total);

  const conversations: CallerExport['conversations'] = [];
  for (const key of data.transcriptKeys) {
    const segment = key.split('/').slice(-2)[0];
    const audioKey = data.audioKeys.find((audio) => audio === audioKeyOfSegment(segment));
    conversations.push({
      conversationId: decodeKeySegment(segment) ?? segment,
      transcriptKey: key,
      transcript: await read(key),
      ...(audioKey ? { audioKey } : {}),
    });
  }
  const preCallRecords: CallerExport['preCallRecords'] = [];
  for (const key of data.preCallRecordKeys) preCallRecords.push({ key, record: await read(key) });

  return {
    format: EXPORT_FORMAT,
    callerId,
    exportedAt: new Date().toISOString(),
    source: deployment.description,
    memories: data.memories.map((memory) => ({
      id: memory.id,
      type: memory.metadata.type,
      memory: memory.memory,
      ...(memory.createdAt ? { createdAt: memory.createdAt } : {}),
      metadata: { ...memory.metadata },
    })),
    conversations,
    preCallRecords,
    audioKeys: data.audioKeys,
    rawPayloadKeys: data.rawKeys,
  };
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
