import type { CreateEventCommandInput, MemoryRecordCreateInput } from '@aws-sdk/client-bedrock-agentcore';
import { sha256Hex } from './agentcore-ids';
import { sessionNamespaceOf } from './agentcore-memories';
import { decodeEntries, eventMetadata, recordMetadata } from './agentcore-metadata';
import { payloadOf, splitText, transcriptEvents } from './agentcore-transcript';
import type { ConversationTurn, MemoryMetadata } from './memory-store';

/**
 * What one memory write sends to AgentCore, decided without I/O: the adapter and the bench's
 * floor (bench/warm/agentcore-floor.ts) both send exactly these requests. Each part carries the
 * content's digest and its part number, so a redelivery sends only the parts not yet present.
 */

/** Longest text of one long-term record; a longer memory is kept as several parts. */
export const MAX_RECORD_CHARS = 16_000;
/** Records per BatchCreateMemoryRecords request. */
export const RECORD_BATCH_SIZE = 100;

/** Records and events as listed: their metadata says which part of which content they hold. */
type Stored = Array<{ metadata?: Parameters<typeof decodeEntries>[0] }>;

interface WriteTarget {
  actorId: string;
  sessionId: string;
  /** Set for a hashed actor id, which cannot be read back: the identity travels in the metadata. */
  identity?: string;
  metadata: MemoryMetadata;
}

/** A text memory (call summary, profile) as records in the conversation's session namespace. */
export function recordWrite(write: WriteTarget & { text: string }) {
  const { actorId, sessionId, identity, text, metadata } = write;
  const type = metadata.type;
  const namespace = sessionNamespaceOf(actorId, type, sessionId);
  const digest = sha256Hex(`${type}\n${text}`);
  const pieces = splitText(text, MAX_RECORD_CHARS);
  const timestamp = happenedAt(metadata) ?? new Date();
  return {
    namespace,
    /** The parts of this memory already stored, from the metadata of the namespace's records. */
    presentParts: (existing: Stored) =>
      new Set(
        existing
          .map((record) => decodeEntries(record.metadata))
          .filter((entries) => entries.digest === digest)
          .map((entries) => entries.part ?? 1),
      ),
    /** The records still to create, in batches with their client tokens. */
    batchesMissing(present: Set<number>): Array<{ records: MemoryRecordCreateInput[]; clientToken: string }> {
      const records: MemoryRecordCreateInput[] = pieces
        .map((piece, i) => ({ piece, part: i + 1 }))
        .filter(({ part }) => !present.has(part))
        .map(({ piece, part }) => ({
          requestIdentifier: sha256Hex(`${actorId}\n${namespace}\n${digest}\n${part}`),
          namespaces: [namespace],
          content: { text: piece },
          timestamp,
          metadata: recordMetadata(
            { type, digest, ...(pieces.length > 1 ? { part, parts: pieces.length } : {}), identity },
            metadata,
          ),
        }));
      const batches = [];
      for (let i = 0; i < records.length; i += RECORD_BATCH_SIZE) {
        const batch = records.slice(i, i + RECORD_BATCH_SIZE);
        batches.push({ records: batch, clientToken: sha256Hex(batch.map((r) => r.requestIdentifier).join('\n')) });
      }
      return batches;
    },
  };
}

/** A conversation as conversational events in its session, in transcript order. */
export function transcriptWrite(write: WriteTarget & { turns: ConversationTurn[] }) {
  const { actorId, sessionId, identity, turns, metadata } = write;
  const digest = sha256Hex(`${metadata.type}\n${JSON.stringify(turns.map((t) => [t.role, t.content]))}`);
  const events = transcriptEvents(turns);
  const startedAt = (happenedAt(metadata) ?? new Date()).getTime();
  return {
    /** The parts of this transcript already stored, from the metadata of the session's events. */
    presentParts: (existing: Stored) =>
      new Set(
        existing
          .map((event) => decodeEntries(event.metadata))
          .filter((entries) => entries.digest === digest && entries.part !== undefined)
          .map((entries) => entries.part),
      ),
    /** The CreateEvent inputs still to send (without the memory id), in order. */
    eventsMissing(present: Set<number | undefined>): Array<Omit<CreateEventCommandInput, 'memoryId'>> {
      return events
        .map((items, index) => ({ items, index, part: index + 1 }))
        .filter(({ part }) => !present.has(part))
        .map(({ items, index, part }) => ({
          actorId,
          sessionId,
          // A millisecond apart, so the events sort in transcript order.
          eventTimestamp: new Date(startedAt + index),
          payload: payloadOf(items),
          clientToken: sha256Hex(`${actorId}\n${sessionId}\n${digest}\n${part}`),
          metadata: eventMetadata(
            { type: metadata.type, digest, part, parts: events.length, ...(identity ? { identity } : {}) },
            metadata,
          ),
        }));
    },
  };
}

/** The time of the call a memory came from. */
export function happenedAt(metadata: MemoryMetadata): Date | undefined {
  const ms = metadata.timestamp === undefined ? NaN : Date.parse(metadata.timestamp);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
