import type { CallerId } from '../../lambdas/shared/caller';
import { createAgentCoreClient } from '../../lambdas/shared/memory/agentcore-client';
import { actorIdOf, sessionIdOf } from '../../lambdas/shared/memory/agentcore-ids';
import { sessionNamespaceOf } from '../../lambdas/shared/memory/agentcore-memories';
import { decodeEntries } from '../../lambdas/shared/memory/agentcore-metadata';
import { AgentCoreMemoryStore } from '../../lambdas/shared/memory/agentcore-store';
import { Mem0MemoryStore, mem0Client } from '../../lambdas/shared/memory/mem0-store';
import type { MemoryStore, MemoryType } from '../../lambdas/shared/memory';
import {
  startAgentCoreServer,
  type AgentCoreBehaviour,
  type AgentCoreLoopbackServer,
  type RecordedAgentCoreRequest,
} from './agentcore-server';
import { startMem0Server, type Mem0Behaviour, type Mem0LoopbackServer, type RecordedRequest } from './mem0-server';

/**
 * The memory backends, each behind its loopback server, in the same terms: so that a suite about
 * how the product behaves with its memory store (outages, chaos, hostile input) runs once per
 * backend. Mem0 is the real mem0ai client against the Mem0-route server; AgentCore is the real
 * @aws-sdk/client-bedrock-agentcore client against the AgentCore data-plane server.
 */

export const MEMORY_BACKENDS_UNDER_TEST = ['mem0', 'agentcore'] as const;
export type MemoryBackendUnderTest = (typeof MEMORY_BACKENDS_UNDER_TEST)[number];

/** What a store does to requests, as each backend's own failure. */
export type StoreFault = (
  | { kind: 'normal' }
  /** Mem0: 429 "Request was throttled."; AgentCore: 429 ThrottledException. */
  | { kind: 'throttle' }
  /** A server error: Mem0 answers the status; AgentCore 500 ServiceException, other statuses without a known error type. */
  | { kind: 'error'; status: 500 | 502 | 503 }
  /** A refusal quoting the request back (Mem0: 400 `{detail}`; AgentCore: 400 ValidationException). */
  | { kind: 'rejected'; detail: string }
  | { kind: 'hang' }
  | { kind: 'reset' }
  /** AgentCore only: ServiceQuotaExceededException (402), RetryableConflictException (409). */
  | { kind: 'agentcore-error'; status: 402 | 409; errorType: string }
  /** AgentCore only: a batch answered 201 with every record failed (`failedRecords`, errorCode 500). */
  | { kind: 'record-failures' }
) & {
  /** Added before answering. */
  delayMs?: number;
  /** Only the requests that write memories misbehave (Mem0: add; AgentCore: CreateEvent, BatchCreateMemoryRecords). */
  writesOnly?: boolean;
  /** Misbehave for this many requests, then answer normally. */
  times?: number;
  /** Mem0: its client's constructor ping misbehaves too (AgentCore's client sends none). */
  evenPing?: boolean;
};

/** One conversation's memories in the store, counting every copy: a write made twice counts twice. */
export type StoredCounts = Record<MemoryType, number>;

export interface MemoryPeer {
  readonly backend: MemoryBackendUnderTest;
  readonly url: string;
  /**
   * The memory store as a deployed function builds it, with the real client against this
   * server. `requestTimeoutMs`: the function's memory deadline (AgentCore aborts each request
   * at it, as the AgentCore entries configure it; the Mem0 client takes none).
   */
  store(options?: { requestTimeoutMs?: number }): MemoryStore;
  behave(fault: StoreFault): void;
  /** Requests so far that write memories. */
  writeRequests(): number;
  /**
   * Whether the store has received a request writing one of the conversation's memories (Mem0:
   * an add; AgentCore: the look it takes in the conversation's session before writing, or the write).
   */
  writeStarted(callerId: string, conversationId: string): boolean;
  /** What one conversation of a caller left in the store, per type. */
  stored(callerId: string, conversationId: string): StoredCounts;
  /** How the local stack is pointed at this store. */
  localStackEnv(): Record<string, string>;
  close(): Promise<void>;
}

export async function startMemoryPeer(backend: MemoryBackendUnderTest): Promise<MemoryPeer> {
  return backend === 'mem0' ? new Mem0Peer(await startMem0Server()) : new AgentCorePeer(await startAgentCoreServer());
}

const MEM0_ADD = '/v3/memories/add/';

export class Mem0Peer implements MemoryPeer {
  readonly backend = 'mem0';
  private shared?: MemoryStore;
  constructor(readonly server: Mem0LoopbackServer) {}

  get url(): string {
    return this.server.url;
  }

  /** One store for every function (the Mem0 client has no deadline of its own: callers bound each call). */
  store(): MemoryStore {
    this.shared ??= new Mem0MemoryStore(async () => mem0Client(this.server.apiKey, this.server.url));
    return this.shared;
  }

  behave(fault: StoreFault): void {
    const common = { delayMs: fault.delayMs, times: fault.times, includePing: fault.evenPing };
    const behaviour = ((): Mem0Behaviour => {
      switch (fault.kind) {
        case 'normal':
          return { mode: 'normal' };
        case 'throttle':
          return { mode: 'status', status: 429, body: { detail: 'Request was throttled.' } };
        case 'error':
          return { mode: 'status', status: fault.status };
        case 'rejected':
          return { mode: 'status', status: 400, body: { detail: fault.detail } };
        case 'hang':
          return { mode: 'hang' };
        case 'reset':
          return { mode: 'reset' };
        case 'agentcore-error':
        case 'record-failures':
          throw new Error(`${fault.kind} is an AgentCore failure: Mem0 has no such answer`);
      }
    })();
    if (fault.writesOnly) throw new Error('the Mem0 loopback server misbehaves on every route: a write is one add');
    this.server.behave({ ...behaviour, ...common });
  }

  writeRequests(): number {
    return this.server.requests.filter((r: RecordedRequest) => r.path === MEM0_ADD).length;
  }

  writeStarted(_callerId: string, conversationId: string): boolean {
    return this.server.requests.some(
      (r) =>
        r.path === MEM0_ADD &&
        (r.body as { metadata?: { conversation_id?: string } }).metadata?.conversation_id === conversationId,
    );
  }

  /** Memories the server holds for the conversation (its extraction makes one per caller message). */
  stored(callerId: string, conversationId: string): StoredCounts {
    const counts: StoredCounts = { factual: 0, semantic: 0, profile: 0 };
    for (const memory of this.server.memoriesOf(callerId)) {
      if (memory.metadata.conversation_id !== conversationId) continue;
      const type = memory.metadata.type as MemoryType;
      if (type in counts) counts[type] += 1;
    }
    return counts;
  }

  localStackEnv(): Record<string, string> {
    return { MEM0_API_KEY: this.server.apiKey, MEM0_HOST: this.server.url };
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

const AGENTCORE_WRITES = ['CreateEvent', 'BatchCreateMemoryRecords'];
/** The loopback server checks no signature; these sign the requests. */
const LOOPBACK_CREDENTIALS = { accessKeyId: 'agentic-memory-test', secretAccessKey: 'agentic-memory-test' };

export class AgentCorePeer implements MemoryPeer {
  readonly backend = 'agentcore';
  constructor(readonly server: AgentCoreLoopbackServer) {}

  get url(): string {
    return this.server.url;
  }

  store(options: { requestTimeoutMs?: number } = {}): MemoryStore {
    return new AgentCoreMemoryStore({
      client: createAgentCoreClient({ endpoint: this.server.url, credentials: LOOPBACK_CREDENTIALS }),
      memoryId: this.server.memoryId,
      requestTimeoutMs: options.requestTimeoutMs,
    });
  }

  behave(fault: StoreFault): void {
    const behaviour = ((): AgentCoreBehaviour => {
      switch (fault.kind) {
        case 'normal':
          return { mode: 'normal' };
        case 'throttle':
          return { mode: 'throttle' };
        case 'error':
          return fault.status === 500
            ? { mode: 'status', status: 500, errorType: 'ServiceException' }
            : { mode: 'status', status: fault.status, errorType: 'ServiceUnavailable' };
        case 'rejected':
          return { mode: 'status', status: 400, errorType: 'ValidationException', message: fault.detail };
        case 'hang':
          return { mode: 'hang' };
        case 'reset':
          return { mode: 'reset' };
        case 'agentcore-error':
          return { mode: 'status', status: fault.status, errorType: fault.errorType };
        case 'record-failures':
          return { mode: 'recordFailures', errorCode: 500 };
      }
    })();
    this.server.behave({
      ...behaviour,
      delayMs: fault.delayMs,
      times: fault.times,
      ...(fault.writesOnly ? { operations: AGENTCORE_WRITES } : {}),
    });
  }

  writeRequests(): number {
    return this.server.requests.filter((r: RecordedAgentCoreRequest) => AGENTCORE_WRITES.includes(r.operation)).length;
  }

  writeStarted(callerId: string, conversationId: string): boolean {
    const actorId = actorIdOf(callerId as CallerId);
    const sessionId = sessionIdOf(conversationId);
    return this.server.requests.some(
      (r) =>
        ['ListMemoryRecords', 'ListEvents', ...AGENTCORE_WRITES].includes(r.operation) &&
        JSON.stringify({ path: r.path, body: r.body }).includes(actorId) &&
        JSON.stringify({ path: r.path, body: r.body }).includes(sessionId),
    );
  }

  /**
   * What the adapter wrote for the conversation: its records of each type and the transcript's
   * events, each copy of a memory counted by its first part (a transcript is one memory however
   * many events carry it; one written twice has two first parts).
   */
  stored(callerId: string, conversationId: string): StoredCounts {
    const actorId = actorIdOf(callerId as CallerId);
    const sessionId = sessionIdOf(conversationId);
    const firstParts = (entries: Array<{ metadata?: Record<string, { stringValue?: string }> }>, type: MemoryType) =>
      entries
        .map((entry) => decodeEntries(entry.metadata as Parameters<typeof decodeEntries>[0]))
        .filter((decoded) => decoded.type === type && (decoded.part ?? 1) === 1).length;
    const records = (type: MemoryType) =>
      firstParts(this.server.recordsUnder(sessionNamespaceOf(actorId, type, sessionId)), type);
    const events = this.server.eventsOf(actorId).filter((event) => event.sessionId === sessionId);
    return { factual: records('factual'), semantic: firstParts(events, 'semantic'), profile: records('profile') };
  }

  /** Every part of every memory of the caller at most once: a part written twice is a duplicate. */
  duplicateParts(callerId: string): string[] {
    const actorId = actorIdOf(callerId as CallerId);
    const seen = new Map<string, number>();
    const note = (where: string, metadata: unknown) => {
      const decoded = decodeEntries(metadata as Parameters<typeof decodeEntries>[0]);
      if (decoded.digest === undefined) return;
      const key = `${where} ${decoded.digest} part ${decoded.part ?? 1}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    };
    for (const event of this.server.eventsOf(actorId)) note(`session ${event.sessionId}`, event.metadata);
    for (const record of this.server.recordsUnder(`/agentic-memory/actors/${actorId}/`))
      note(record.namespaces[0], record.metadata);
    return [...seen].filter(([, count]) => count > 1).map(([key]) => key);
  }

  localStackEnv(): Record<string, string> {
    return {
      MEMORY_BACKEND: 'agentcore',
      AGENTCORE_ENDPOINT: this.server.url,
      AGENTCORE_MEMORY_ID: this.server.memoryId,
    };
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
