import {
  BatchCreateMemoryRecordsCommand,
  BatchDeleteMemoryRecordsCommand,
  CreateEventCommand,
  DeleteEventCommand,
  DeleteMemoryRecordCommand,
  GetMemoryRecordCommand,
  ListActorsCommand,
  ListEventsCommand,
  ListMemoryRecordsCommand,
  ListSessionsCommand,
  RetrieveMemoryRecordsCommand,
  type BedrockAgentCoreClient,
  type Event as AgentCoreEvent,
  type MemoryRecordOutput,
  type MemoryRecordSummary,
  type SessionSummary,
} from '@aws-sdk/client-bedrock-agentcore';
import { parseMemoryIdentity, type CallerId } from '../caller';
import { withRetries, type RetryPolicy } from '../retry';
import {
  AGENTCORE_NAMESPACE_ROOT,
  actorIdOf,
  actorNamespace,
  hashedActorIdOf,
  identityOfActorId,
  isHashedActorId,
  parseNamespace,
  sessionIdOf,
  typeNamespace,
} from './agentcore-ids';
import { isNotFound, toAgentCoreStoreError } from './agentcore-errors';
import { decodeEntries } from './agentcore-metadata';
import {
  callerTurnMemories,
  completeParts,
  eventMemory,
  isDefined,
  mergeParts,
  newestFirst,
  parseEventMemoryId,
  preferOwnSummaries,
  readRecord,
  sessionNamespaceOf,
  type ReadRecord,
} from './agentcore-memories';
import { recordWrite, transcriptWrite } from './agentcore-writes';
import {
  MemoryStoreError,
  type ListOptions,
  type Memory,
  type MemoryPage,
  type MemoryStore,
  type MemoryType,
  type NewMemory,
} from './memory-store';

/** SDK model: `MaxResults` 1-100, `MemoryRecordsCreateInputList` / `…DeleteInputList` at most 100, `topK` 1-100. */
const PAGE_SIZE = 100;
const BATCH_SIZE = 100;
const MAX_TOP_K = 100;
/** SDK model: `MemoryContent.text` 1-16,000 characters; `SearchCriteria.searchQuery` 1-10,000. */
const MAX_QUERY_CHARS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * How far a listing reads. The service documents no order for its listings, so newest-first
 * needs every page. A caller's read stops at 20 pages (2,000 memories of a type); erasure,
 * export and retention read up to 1,000 pages and fail rather than stop short.
 */
const READ_PAGES = { max: 20, whenMore: 'stop' } as const;
const BULK_PAGES = { max: 1_000, whenMore: 'fail' } as const;
/** The newest session is found among this many pages of sessions. */
const SESSION_PAGES = { max: 5, whenMore: 'stop' } as const;
type PageBound = { max: number; whenMore: 'stop' | 'fail' };

/** Erasure, export and retention go through thousands of requests: a throttled one waits and tries again. */
const BULK_RETRIES: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 3000,
  retryable: (error) => error instanceof MemoryStoreError && error.retryable,
};
/** Events are deleted one request each: a few at a time. */
const DELETE_CONCURRENCY = 4;

export interface AgentCoreStoreOptions {
  client: BedrockAgentCoreClient;
  /** The memory resource's id (`name-0123456789`) or ARN. */
  memoryId: string;
  /** Deadline of each request, after which it is aborted. Default 10 s. */
  requestTimeoutMs?: number;
}

/**
 * Caller memories in Amazon Bedrock AgentCore Memory, inside the customer's AWS account.
 *
 * - A conversation becomes conversational events (actor = the caller's memory identity,
 *   session = the conversation); the memory resource's strategies extract facts, preferences and
 *   a call summary from them, asynchronously, into the caller's namespaces.
 * - A text (the call summary ElevenLabs wrote, the caller's profile) becomes a memory record
 *   written directly (BatchCreateMemoryRecords): it is listed and searchable at once, carries our
 *   metadata, and costs no extraction.
 * - Reads list the caller's namespaces; while extraction lags, the caller's own words from their
 *   latest call stand in for the facts not extracted yet.
 *
 * Every request has its own deadline (aborted after `requestTimeoutMs`); every failure is a
 * `MemoryStoreError`. Identities, sessions and namespaces: agentcore-ids.ts.
 */
export class AgentCoreMemoryStore implements MemoryStore {
  private readonly client: BedrockAgentCoreClient;
  private readonly memoryId: string;
  private readonly requestTimeoutMs: number;

  constructor(options: AgentCoreStoreOptions) {
    this.client = options.client;
    this.memoryId = options.memoryId;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  async list(callerId: CallerId, options: ListOptions): Promise<MemoryPage> {
    const limit = Math.max(0, Math.floor(options.limit));
    const actorId = actorIdOf(callerId);
    const all =
      options.conversationId !== undefined
        ? await this.conversationMemories(actorId, options.type, options.conversationId)
        : await this.typeMemories(actorId, options.type);
    const memories = newestFirst(all);
    return { memories: memories.slice(0, limit), total: memories.length };
  }

  async search(callerId: CallerId, query: string, options: { limit: number }): Promise<Memory[]> {
    const limit = Math.floor(options.limit);
    if (query.trim() === '' || limit < 1) return [];
    const actorId = actorIdOf(callerId);
    const namespace = actorNamespace(actorId);
    const topK = Math.min(limit, MAX_TOP_K);
    const output = await this.call('RetrieveMemoryRecords', (abortSignal) =>
      this.client.send(
        new RetrieveMemoryRecordsCommand({
          memoryId: this.memoryId,
          namespace,
          searchCriteria: { searchQuery: query.trim().slice(0, MAX_QUERY_CHARS), topK },
          maxResults: topK,
        }),
        { abortSignal },
      ),
    );
    return (output.memoryRecordSummaries ?? [])
      .map((record) => readRecord(record, actorId))
      .filter((record): record is ReadRecord => record !== undefined)
      .map((record) => record.memory)
      .slice(0, limit);
  }

  async add(callerId: CallerId, memory: NewMemory): Promise<void> {
    const actorId = actorIdOf(callerId);
    // A hashed actor id cannot be read back: the identity travels in the metadata instead.
    const identity = isHashedActorId(actorId) ? callerId : undefined;
    const sessionId = sessionIdOf(memory.metadata.conversation_id);
    if (memory.kind === 'text') {
      if (memory.text.trim() === '') return;
      await this.addRecord({ actorId, sessionId, identity, text: memory.text, metadata: memory.metadata });
      return;
    }
    const turns = memory.turns.filter((turn) => turn.content.trim() !== '');
    if (turns.length === 0) return;
    await this.addConversation({ actorId, sessionId, identity, turns, metadata: memory.metadata });
  }

  /** Events first, so no new extraction starts from them while the records go. */
  async deleteCaller(callerId: CallerId): Promise<void> {
    const actorId = actorIdOf(callerId);
    for (const session of await this.sessions(actorId, BULK_PAGES, true)) {
      if (!session.sessionId) continue;
      const events = await this.sessionEvents(actorId, session.sessionId, false, BULK_PAGES, true);
      await forEachConcurrently(events, DELETE_CONCURRENCY, (event) =>
        this.deleteEvent(actorId, session.sessionId as string, event.eventId),
      );
    }
    const records = await this.records(actorNamespace(actorId), BULK_PAGES, true);
    await this.deleteRecords(records);
  }

  async listAll(callerId: CallerId): Promise<Memory[]> {
    const actorId = actorIdOf(callerId);
    const records = await this.records(actorNamespace(actorId), BULK_PAGES, true);
    const memories = mergeParts(records.map((r) => readRecord(r, actorId)).filter(isDefined)).map((r) => r.memory);
    for (const session of await this.sessions(actorId, BULK_PAGES, true)) {
      if (!session.sessionId) continue;
      for (const event of await this.sessionEvents(actorId, session.sessionId, true, BULK_PAGES, true)) {
        const memory = eventMemory(event);
        if (memory) memories.push(memory);
      }
    }
    return newestFirst(memories);
  }

  /**
   * Erases one memory of the caller. A record is looked up first: one outside the caller's
   * namespaces is not theirs to erase, and counts as already gone for them.
   */
  async deleteMemory(callerId: CallerId, memoryId: string): Promise<void> {
    const actorId = actorIdOf(callerId);
    for (const id of memoryId.split(' ')) {
      const event = parseEventMemoryId(id);
      if (event) {
        await this.deleteEvent(actorId, event.sessionId, event.eventId);
        continue;
      }
      let namespace: string | undefined;
      try {
        const output = await this.call('GetMemoryRecord', (abortSignal) =>
          this.client.send(new GetMemoryRecordCommand({ memoryId: this.memoryId, memoryRecordId: id }), {
            abortSignal,
          }),
        );
        namespace = output.memoryRecord?.namespaces?.[0];
      } catch (error) {
        if (isNotFound(error)) continue;
        throw error;
      }
      if (namespace === undefined || parseNamespace(namespace)?.actorId !== actorId) continue;
      await this.ignoringNotFound(() =>
        this.call('DeleteMemoryRecord', (abortSignal) =>
          this.client.send(new DeleteMemoryRecordCommand({ memoryId: this.memoryId, memoryRecordId: id, namespace }), {
            abortSignal,
          }),
        ),
      );
    }
  }

  /**
   * Every identity with events (ListActors) or long-term records (the actor segment of every
   * record's namespace: events expire, records stay, and whether ListActors still names an actor
   * whose events expired is not documented). The record scan reads every record of the memory:
   * retention and `forget` without a scope are the only callers.
   */
  async callerIds(): Promise<CallerId[]> {
    const identities = new Map<string, string | undefined>();
    let nextToken: string | undefined;
    for (let page = 0; ; page++) {
      if (page >= BULK_PAGES.max) throw tooManyPages('ListActors');
      const output = await this.call(
        'ListActors',
        (abortSignal) =>
          this.client.send(new ListActorsCommand({ memoryId: this.memoryId, maxResults: PAGE_SIZE, nextToken }), {
            abortSignal,
          }),
        true,
      );
      for (const actor of output.actorSummaries ?? []) {
        if (actor.actorId && !identities.has(actor.actorId)) identities.set(actor.actorId, undefined);
      }
      nextToken = output.nextToken || undefined;
      if (!nextToken) break;
    }
    for (const record of await this.records(AGENTCORE_NAMESPACE_ROOT, BULK_PAGES, true)) {
      const actorId = parseNamespace(record.namespaces?.[0] ?? '')?.actorId;
      if (actorId === undefined) continue;
      if (identities.get(actorId) !== undefined) continue;
      identities.set(actorId, isHashedActorId(actorId) ? decodeEntries(record.metadata).identity : undefined);
    }

    const callers: CallerId[] = [];
    for (const [actorId, fromMetadata] of identities) {
      const identity = isHashedActorId(actorId)
        ? (fromMetadata ?? (await this.identityFromEvents(actorId)))
        : identityOfActorId(actorId);
      // Only what this adapter wrote: a memory identity, whose actor id is the one it maps to.
      const parsed = identity === undefined ? undefined : parseMemoryIdentity(identity);
      if (parsed && parsed.identity === identity && actorIdOf(identity) === actorId) callers.push(parsed.identity);
    }
    return [...new Set(callers)];
  }

  // ---- reads -------------------------------------------------------------------------------

  private async typeMemories(actorId: string, type: MemoryType): Promise<Memory[]> {
    if (type !== 'semantic') {
      const records = (await this.records(typeNamespace(actorId, type), READ_PAGES)).map((r) => readRecord(r, actorId));
      const read = mergeParts(records.filter(isDefined));
      return (type === 'factual' ? preferOwnSummaries(read) : read).map((r) => r.memory);
    }
    const [records, latest] = await Promise.all([
      this.records(typeNamespace(actorId, type), READ_PAGES),
      this.latestSession(actorId),
    ]);
    const memories = mergeParts(records.map((r) => readRecord(r, actorId)).filter(isDefined)).map((r) => r.memory);
    return latest ? [...(await this.laggingTurns(actorId, latest, memories)), ...memories] : memories;
  }

  /**
   * Long-term extraction runs after the call, so the latest call may have no facts yet: when no
   * semantic record is newer than that call's last event, its caller turns stand in for them.
   */
  private async laggingTurns(actorId: string, sessionId: string, facts: Memory[]): Promise<Memory[]> {
    const events = await this.sessionEvents(actorId, sessionId, true, READ_PAGES);
    const lastEventAt = Math.max(...events.map((event) => event.eventTimestamp?.getTime() ?? -Infinity));
    if (!Number.isFinite(lastEventAt)) return [];
    if (facts.some((fact) => fact.createdAt !== undefined && Date.parse(fact.createdAt) >= lastEventAt)) return [];
    return events.flatMap(callerTurnMemories);
  }

  /** What one conversation left of a type: only what this adapter wrote, and only when complete. */
  private async conversationMemories(actorId: string, type: MemoryType, conversationId: string): Promise<Memory[]> {
    const sessionId = sessionIdOf(conversationId);
    const [events, records] = await Promise.all([
      this.sessionEvents(actorId, sessionId, true, BULK_PAGES),
      this.records(sessionNamespaceOf(actorId, type, sessionId), BULK_PAGES),
    ]);
    const eventMemories = completeParts(
      events.map((event) => ({ event, entries: decodeEntries(event.metadata) })).filter((e) => e.entries.type === type),
    ).map(({ event }) => eventMemory(event));
    const own = records
      .map((r) => readRecord(r, actorId))
      .filter((r): r is ReadRecord => r !== undefined && r.own && r.entries.type === type);
    const complete = new Set(completeParts(own).map((r) => r.memory.id));
    return [
      ...eventMemories.filter(isDefined),
      ...mergeParts(own.filter((r) => complete.has(r.memory.id))).map((r) => r.memory),
    ];
  }

  private async latestSession(actorId: string): Promise<string | undefined> {
    const sessions = await this.sessions(actorId, SESSION_PAGES);
    let latest: SessionSummary | undefined;
    for (const session of sessions) {
      if (!session.sessionId) continue;
      if (!latest || (session.createdAt?.getTime() ?? -Infinity) > (latest.createdAt?.getTime() ?? -Infinity)) {
        latest = session;
      }
    }
    return latest?.sessionId;
  }

  /** Every record under a namespace prefix, paged; another namespace's record in an answer is dropped. */
  private async records(namespace: string, bound: PageBound, bulk = false): Promise<MemoryRecordSummary[]> {
    const records: MemoryRecordSummary[] = [];
    let nextToken: string | undefined;
    for (let page = 0; ; page++) {
      if (page >= bound.max) {
        if (bound.whenMore === 'fail') throw tooManyPages('ListMemoryRecords');
        break;
      }
      const output = await this.call(
        'ListMemoryRecords',
        (abortSignal) =>
          this.client.send(
            new ListMemoryRecordsCommand({ memoryId: this.memoryId, namespace, maxResults: PAGE_SIZE, nextToken }),
            { abortSignal },
          ),
        bulk,
      );
      for (const record of output.memoryRecordSummaries ?? []) {
        if (record.namespaces?.some((ns) => ns.startsWith(namespace))) records.push(record);
      }
      nextToken = output.nextToken || undefined;
      if (!nextToken) break;
    }
    return records;
  }

  private async sessions(actorId: string, bound: PageBound, bulk = false): Promise<SessionSummary[]> {
    const sessions: SessionSummary[] = [];
    let nextToken: string | undefined;
    for (let page = 0; ; page++) {
      if (page >= bound.max) {
        if (bound.whenMore === 'fail') throw tooManyPages('ListSessions');
        break;
      }
      const output = await this.readOrNothing(() =>
        this.call(
          'ListSessions',
          (abortSignal) =>
            this.client.send(
              new ListSessionsCommand({ memoryId: this.memoryId, actorId, maxResults: PAGE_SIZE, nextToken }),
              { abortSignal },
            ),
          bulk,
        ),
      );
      sessions.push(
        ...(output?.sessionSummaries ?? []).filter((s) => s.actorId === undefined || s.actorId === actorId),
      );
      nextToken = output?.nextToken || undefined;
      if (!nextToken) break;
    }
    return sessions;
  }

  private async sessionEvents(
    actorId: string,
    sessionId: string,
    includePayloads: boolean,
    bound: PageBound,
    bulk = false,
  ): Promise<AgentCoreEvent[]> {
    const events: AgentCoreEvent[] = [];
    let nextToken: string | undefined;
    for (let page = 0; ; page++) {
      if (page >= bound.max) {
        if (bound.whenMore === 'fail') throw tooManyPages('ListEvents');
        break;
      }
      const output = await this.readOrNothing(() =>
        this.call(
          'ListEvents',
          (abortSignal) =>
            this.client.send(
              new ListEventsCommand({
                memoryId: this.memoryId,
                actorId,
                sessionId,
                includePayloads,
                maxResults: PAGE_SIZE,
                nextToken,
              }),
              { abortSignal },
            ),
          bulk,
        ),
      );
      events.push(...(output?.events ?? []).filter((e) => e.actorId === actorId && e.sessionId === sessionId));
      nextToken = output?.nextToken || undefined;
      if (!nextToken) break;
    }
    return events;
  }

  /** The identity of a hashed actor, from the metadata of one of its events. */
  private async identityFromEvents(actorId: string): Promise<string | undefined> {
    for (const session of await this.sessions(actorId, BULK_PAGES, true)) {
      if (!session.sessionId) continue;
      for (const event of await this.sessionEvents(actorId, session.sessionId, false, BULK_PAGES, true)) {
        const identity = decodeEntries(event.metadata).identity;
        if (identity !== undefined && hashedActorIdOf(identity) === actorId) return identity;
      }
    }
    return undefined;
  }

  // ---- writes ------------------------------------------------------------------------------

  /**
   * A text memory as records in the conversation's session namespace; only the parts not yet
   * stored are sent, each batch with a client token (agentcore-writes.ts decides them).
   */
  private async addRecord(write: Parameters<typeof recordWrite>[0]): Promise<void> {
    const plan = recordWrite(write);
    const present = plan.presentParts(await this.records(plan.namespace, BULK_PAGES));
    for (const batch of plan.batchesMissing(present)) {
      const output = await this.call('BatchCreateMemoryRecords', (abortSignal) =>
        this.client.send(new BatchCreateMemoryRecordsCommand({ memoryId: this.memoryId, ...batch }), { abortSignal }),
      );
      throwIfFailed('BatchCreateMemoryRecords', output.failedRecords);
    }
  }

  /**
   * The turns as conversational events in the conversation's session, in order; each event
   * carries its part number and the transcript's digest, so a redelivery writes only the parts
   * missing, and its client token makes a concurrent duplicate a no-op at the service.
   */
  private async addConversation(write: Parameters<typeof transcriptWrite>[0]): Promise<void> {
    const plan = transcriptWrite(write);
    const present = plan.presentParts(await this.sessionEvents(write.actorId, write.sessionId, false, BULK_PAGES));
    for (const event of plan.eventsMissing(present)) {
      await this.call('CreateEvent', (abortSignal) =>
        this.client.send(new CreateEventCommand({ memoryId: this.memoryId, ...event }), { abortSignal }),
      );
    }
  }

  private async deleteEvent(actorId: string, sessionId: string, eventId: string | undefined): Promise<void> {
    if (!eventId) return;
    await this.ignoringNotFound(() =>
      this.call(
        'DeleteEvent',
        (abortSignal) =>
          this.client.send(new DeleteEventCommand({ memoryId: this.memoryId, actorId, sessionId, eventId }), {
            abortSignal,
          }),
        true,
      ),
    );
  }

  private async deleteRecords(records: MemoryRecordSummary[]): Promise<void> {
    const doomed = records.filter((r) => r.memoryRecordId);
    for (let i = 0; i < doomed.length; i += BATCH_SIZE) {
      const batch = doomed.slice(i, i + BATCH_SIZE);
      const output = await this.call(
        'BatchDeleteMemoryRecords',
        (abortSignal) =>
          this.client.send(
            new BatchDeleteMemoryRecordsCommand({
              memoryId: this.memoryId,
              records: batch.map((r) => ({ memoryRecordId: r.memoryRecordId, namespace: r.namespaces?.[0] })),
            }),
            { abortSignal },
          ),
        true,
      );
      // One already gone counts as erased.
      throwIfFailed(
        'BatchDeleteMemoryRecords',
        output.failedRecords?.filter((r) => r.errorCode !== 404),
      );
    }
  }

  // ---- plumbing ----------------------------------------------------------------------------

  /** One request with its own deadline; in bulk work a retryable failure is tried again with backoff. */
  private call<T>(operation: string, send: (abortSignal: AbortSignal) => Promise<T>, bulk = false): Promise<T> {
    const once = async () => {
      try {
        return await send(AbortSignal.timeout(this.requestTimeoutMs));
      } catch (error) {
        throw toAgentCoreStoreError(error, operation, this.requestTimeoutMs);
      }
    };
    return bulk ? withRetries(once, BULK_RETRIES) : once();
  }

  /** A listing of what does not exist (yet) is empty. */
  private async readOrNothing<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async ignoringNotFound(work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}

// ---- helpers -------------------------------------------------------------------------------

function throwIfFailed(operation: string, failed: MemoryRecordOutput[] | undefined): void {
  if (!failed || failed.length === 0) return;
  const codes = failed.map((r) => r.errorCode);
  const retryable = codes.some((code) => code === undefined || code >= 500 || code === 429);
  throw new MemoryStoreError(
    `AgentCore ${operation} failed for ${failed.length} record(s): ${[...new Set(codes)].join(', ')}`,
    retryable,
  );
}

function tooManyPages(operation: string): MemoryStoreError {
  return new MemoryStoreError(
    `AgentCore ${operation} still had more after ${BULK_PAGES.max} pages of ${PAGE_SIZE}: stopped rather than act on part of it`,
    false,
  );
}

async function forEachConcurrently<T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
