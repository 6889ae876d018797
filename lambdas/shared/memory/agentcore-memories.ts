import type { Event as AgentCoreEvent, MemoryRecordSummary } from '@aws-sdk/client-bedrock-agentcore';
import { conversationIdOfSession, parseNamespace, typeNamespace } from './agentcore-ids';
import { decodeEntries, type DecodedEntries } from './agentcore-metadata';
import { callerSnippets } from './caller-snippets';
import type { Memory, MemoryMetadata, MemoryType } from './memory-store';

/**
 * AgentCore records and events as memories: what the adapter reads back, merged, de-duplicated
 * and ordered as the memory-store interface promises.
 */

/** A record as the adapter reads it. */
export interface ReadRecord {
  memory: Memory;
  namespace: string;
  sessionId?: string;
  entries: DecodedEntries;
  /** Written by this adapter (a call summary, a profile), not extracted by a strategy. */
  own: boolean;
}

const EVENT_ID_PREFIX = 'event/';

/** `event/{sessionId}/{eventId}`, and `/{index}` for one turn of it. Session ids hold no '/', event ids neither. */
function eventMemoryId(sessionId: string, eventId: string, index?: number): string {
  return `${EVENT_ID_PREFIX}${sessionId}/${eventId}${index === undefined ? '' : `/${index}`}`;
}

export function parseEventMemoryId(id: string): { sessionId: string; eventId: string } | undefined {
  if (!id.startsWith(EVENT_ID_PREFIX)) return undefined;
  const [sessionId, eventId] = id.slice(EVENT_ID_PREFIX.length).split('/');
  return sessionId && eventId ? { sessionId, eventId } : undefined;
}

export function sessionNamespaceOf(actorId: string, type: MemoryType, sessionId: string): string {
  // Semantic texts sit apart from the strategies' facts/ and preferences/.
  return type === 'semantic'
    ? `${typeNamespace(actorId, type)}notes/${sessionId}/`
    : `${typeNamespace(actorId, type)}${sessionId}/`;
}

export function readRecord(record: MemoryRecordSummary, actorId: string): ReadRecord | undefined {
  const namespace = record.namespaces?.[0];
  if (namespace === undefined) return undefined;
  const parts = parseNamespace(namespace);
  const text = record.content?.text;
  if (!parts || parts.actorId !== actorId || !record.memoryRecordId || typeof text !== 'string') return undefined;
  const entries = decodeEntries(record.metadata);
  const own = entries.type !== undefined && entries.digest !== undefined;
  const conversationId = parts.sessionId === undefined ? undefined : conversationIdOfSession(parts.sessionId);
  // The namespace says what a record is for, whatever its metadata claims.
  const metadata: MemoryMetadata = {
    ...(entries.metadata ?? (conversationId === undefined ? {} : { conversation_id: conversationId })),
    type: parts.type,
  };
  const memory: Memory = { id: record.memoryRecordId, memory: text, metadata };
  if (record.createdAt instanceof Date && !Number.isNaN(record.createdAt.getTime())) {
    memory.createdAt = record.createdAt.toISOString();
  }
  if (typeof record.score === 'number' && Number.isFinite(record.score)) {
    memory.score = Math.min(1, Math.max(0, record.score));
  }
  return { memory, namespace, sessionId: parts.sessionId, entries, own };
}

/** A call is counted once: where the adapter wrote a session's summary, the strategy's summary of it is left out. */
export function preferOwnSummaries(records: ReadRecord[]): ReadRecord[] {
  const summarised = new Set(records.filter((r) => r.own && r.sessionId).map((r) => r.sessionId));
  return records.filter((r) => r.own || !summarised.has(r.sessionId));
}

/** Only memories whose every part is present. */
export function completeParts<T extends { entries: DecodedEntries }>(items: T[]): T[] {
  const seen = new Map<string, Set<number>>();
  for (const { entries } of items) {
    const key = entries.digest ?? '';
    const parts = seen.get(key) ?? new Set<number>();
    parts.add(entries.part ?? 1);
    seen.set(key, parts);
  }
  return items.filter(({ entries }) => (seen.get(entries.digest ?? '')?.size ?? 0) >= (entries.parts ?? 1));
}

/** A text written in parts reads as one memory, whose id names every part's record. */
export function mergeParts(records: ReadRecord[]): ReadRecord[] {
  const merged: ReadRecord[] = [];
  const groups = new Map<string, ReadRecord[]>();
  for (const record of records) {
    if (!record.own || (record.entries.parts ?? 1) <= 1) {
      merged.push(record);
      continue;
    }
    const key = `${record.namespace}\n${record.entries.digest}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  for (const group of groups.values()) {
    const parts = [...group].sort((a, b) => (a.entries.part ?? 1) - (b.entries.part ?? 1));
    merged.push({
      ...parts[0],
      memory: {
        ...parts[0].memory,
        id: parts.map((p) => p.memory.id).join(' '),
        memory: parts.map((p) => p.memory.memory).join(''),
      },
    });
  }
  return merged;
}

/** An event as one memory: its turns, one per line (export, retention, a conversation's check). */
export function eventMemory(event: AgentCoreEvent): Memory | undefined {
  if (!event.sessionId || !event.eventId) return undefined;
  const lines = (event.payload ?? []).flatMap((item) => {
    const text = item.conversational?.content?.text;
    return typeof text === 'string' ? [`${(item.conversational?.role ?? 'OTHER').toLowerCase()}: ${text}`] : [];
  });
  const memory: Memory = {
    id: eventMemoryId(event.sessionId, event.eventId),
    memory: lines.join('\n'),
    metadata: eventMetadataOf(event),
  };
  if (event.eventTimestamp instanceof Date) memory.createdAt = event.eventTimestamp.toISOString();
  return memory;
}

/**
 * The caller's own words in an event, as the embedded store keeps them (short snippets, small
 * talk left out): stand-ins for the facts long-term extraction has not produced yet.
 */
export function callerTurnMemories(event: AgentCoreEvent): Memory[] {
  if (!event.sessionId || !event.eventId) return [];
  const turns = (event.payload ?? []).flatMap((item) => {
    const text = item.conversational?.content?.text;
    return item.conversational?.role === 'USER' && typeof text === 'string'
      ? [{ role: 'user' as const, content: text }]
      : [];
  });
  const metadata: MemoryMetadata = { ...eventMetadataOf(event), type: 'semantic', source: 'events' };
  const createdAt = event.eventTimestamp instanceof Date ? event.eventTimestamp.toISOString() : undefined;
  return callerSnippets(turns).map((snippet, index) => {
    const memory: Memory = {
      id: eventMemoryId(event.sessionId as string, event.eventId as string, index),
      memory: snippet,
      metadata,
    };
    if (createdAt) memory.createdAt = createdAt;
    return memory;
  });
}

function eventMetadataOf(event: AgentCoreEvent): MemoryMetadata {
  const decoded = decodeEntries(event.metadata).metadata;
  if (decoded) return decoded;
  const conversationId = event.sessionId ? conversationIdOfSession(event.sessionId) : undefined;
  return { type: 'semantic', ...(conversationId === undefined ? {} : { conversation_id: conversationId }) };
}

/** Newest first; among memories of the same moment the later in the list (a later turn) first. */
export function newestFirst(memories: Memory[]): Memory[] {
  const time = (memory: Memory) => {
    const ms = memory.createdAt === undefined ? NaN : Date.parse(memory.createdAt);
    return Number.isNaN(ms) ? -Infinity : ms;
  };
  return memories
    .map((memory, order) => ({ memory, order, at: time(memory) }))
    .sort((a, b) => (a.at === b.at ? b.order - a.order : b.at > a.at ? 1 : -1))
    .map(({ memory }) => memory);
}

export function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
