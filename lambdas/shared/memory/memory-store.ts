import type { CallerId } from '../caller';

/**
 * What a memory is for:
 * - `factual`: one per call — the transcript summary and evaluation rationales ("highlights");
 * - `semantic`: what the caller said — facts Mem0 extracts from the transcript, or, in the
 *   embedded store, the caller's own turns as short memories;
 * - `profile`: structured facts about the caller (name, language, …) from data collection.
 */
export type MemoryType = 'factual' | 'semantic' | 'profile';
export const MEMORY_TYPES: readonly MemoryType[] = ['factual', 'semantic', 'profile'];

export interface MemoryMetadata {
  type: MemoryType;
  agent_id?: string;
  conversation_id?: string;
  /** ISO-8601 time of the call the memory came from. */
  timestamp?: string;
  /** Seconds. */
  call_duration?: number;
  /** On `profile` memories: the data-collection results, e.g. { user_name: "Margaret" }. */
  profile?: Record<string, string | number | boolean>;
  [key: string]: unknown;
}

export interface Memory {
  id: string;
  memory: string;
  metadata: MemoryMetadata;
  /** Relevance in [0, 1], on search results only. */
  score?: number;
  createdAt?: string;
}

export interface ConversationTurn {
  role: 'user' | 'assistant';
  content: string;
}

/** One memory to write: a text kept as it is, or a conversation to learn from. */
export type NewMemory =
  | { kind: 'text'; text: string; metadata: MemoryMetadata }
  | { kind: 'conversation'; turns: ConversationTurn[]; metadata: MemoryMetadata };

export interface ListOptions {
  type: MemoryType;
  limit: number;
  /** Only memories of this conversation. */
  conversationId?: string;
}

export interface MemoryPage {
  /** Newest first. */
  memories: Memory[];
  /** How many memories of that type the caller has in all. */
  total: number;
}

/**
 * The one interface every handler uses; Mem0 Cloud or the embedded store behind it is
 * configuration. Every method either settles or rejects: deadlines are the caller's business.
 */
export interface MemoryStore {
  /** A caller's memories of one type, newest first, at most `limit`. */
  list(callerId: CallerId, options: ListOptions): Promise<MemoryPage>;
  /** Ranked search of one caller's memories only. */
  search(callerId: CallerId, query: string, options: { limit: number }): Promise<Memory[]>;
  add(callerId: CallerId, memory: NewMemory): Promise<void>;
  /** Erases every memory of the caller. */
  deleteCaller(callerId: CallerId): Promise<void>;
  /** Every memory of the caller, all types, newest first, each with `createdAt` (export, retention). */
  listAll(callerId: CallerId): Promise<Memory[]>;
  /** Erases one memory of the caller; one that is already gone counts as erased. */
  deleteMemory(callerId: CallerId, memoryId: string): Promise<void>;
  /** Every caller the store holds memories for (retention). */
  callerIds(): Promise<CallerId[]>;
}

/** Why a store call failed, in terms a handler can act on. */
export class MemoryStoreError extends Error {
  constructor(
    message: string,
    /** retryable: try again later (rate limit, outage, timeout); permanent: the request is wrong. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MemoryStoreError';
  }
}
