import { randomBytes, randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { KeywordIndex } from '../../lambdas/shared/memory/embedded-store';

/**
 * A loopback stand-in for the Amazon Bedrock AgentCore Memory data plane, speaking the routes the
 * AgentCore adapter uses (REST-JSON, as @aws-sdk/client-bedrock-agentcore sends them), holding
 * its state in memory.
 *
 * Sources of the shapes:
 * - routes, status codes and member names: the SDK's operation schemas,
 *   node_modules/@aws-sdk/client-bedrock-agentcore/dist-es/schemas/schemas_0.js (`CreateEvent$`,
 *   `ListEvents$`, `ListSessions$`, `ListActors$`, `ListMemoryRecords$`, `RetrieveMemoryRecords$`,
 *   `BatchCreateMemoryRecords$`, `BatchDeleteMemoryRecords$`, `GetMemoryRecord$`,
 *   `DeleteMemoryRecord$`, `DeleteEvent$`) and its types, dist-types/models/models_0.d.ts and
 *   models_1.d.ts (`CreateEventInput`, `Event`, `PayloadType`, `MemoryRecordSummary`,
 *   `MemoryRecordCreateInput`, `MemoryRecordMetadataValue`, `SearchCriteria`, …);
 * - errors: dist-es/schemas/schemas_0.js (`ThrottledException$` 429, `ServiceException$` 500,
 *   `ValidationException$` 400, `ResourceNotFoundException$` 404), the type named in the
 *   `x-amzn-errortype` header as REST-JSON services do;
 * - constraints (lengths, patterns, list sizes): the service model
 *   (aws-sdk-js-v3 codegen/sdk-codegen/aws-models/bedrock-agentcore.json) and the AgentCore API
 *   reference (MemoryRecordMetadataValue, MemoryRecordCreateInput), quoted beside each check;
 * - timestamps: epoch seconds, REST-JSON's default for the model's `smithy.api#Timestamp`.
 *
 * Long-term extraction is simulated: after `extractionLagMs`, each conversational event's user
 * turns become records of the configured strategies (semantic: each user turn a fact;
 * user preference: user turns that state a liking; summary: one running summary per session).
 * ListActors names actors that have events (short-term memory) only: whether AWS also names
 * actors known only from long-term records is not documented, and the adapter must not rely on it.
 */

export type StrategyType = 'SEMANTIC' | 'USER_PREFERENCE' | 'SUMMARIZATION';

export interface LoopbackStrategy {
  strategyId: string;
  type: StrategyType;
  /** Namespace template with `{actorId}` and `{sessionId}`. */
  namespace: string;
}

export interface AgentCoreBehaviour {
  /**
   * normal: answer; throttle: 429 ThrottledException; status: `status` with `errorType`; hang: never
   * answer; reset: drop the connection; recordFailures: a batch answers 201/200 with every record in
   * `failedRecords` under `errorCode`.
   */
  mode: 'normal' | 'throttle' | 'status' | 'hang' | 'reset' | 'recordFailures';
  /** For `recordFailures`. Default 500. */
  errorCode?: number;
  /** For `status`. Default 500. */
  status?: number;
  /** For `status`. Default ServiceException. */
  errorType?: string;
  /** For `status`: the error's message (a real refusal may quote the request). Default 'Injected failure'. */
  message?: string;
  /** Added before answering. */
  delayMs?: number;
  /** Misbehave for this many requests, then answer normally again. Default: until the next behave(). */
  times?: number;
  /** Only these operations misbehave. Default: every operation. */
  operations?: string[];
  /** Answer this many of those requests normally first. Default 0. */
  after?: number;
}

export interface RecordedAgentCoreRequest {
  operation: string;
  method: string;
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown> | undefined;
  headers: http.IncomingHttpHeaders;
}

type MetadataValueWire = {
  stringValue?: string;
  stringListValue?: string[];
  numberValue?: number;
  dateTimeValue?: number;
};

export interface StoredEvent {
  memoryId: string;
  actorId: string;
  sessionId: string;
  eventId: string;
  /** Epoch seconds, as on the wire. */
  eventTimestamp: number;
  payload: Array<{ conversational?: { role: string; content: { text: string } }; blob?: unknown }>;
  metadata?: Record<string, { stringValue: string }>;
  /** Wall-clock time the event was created (epoch ms), for ListSessions' createdAt. */
  createdAtMs: number;
}

export interface StoredRecord {
  memoryRecordId: string;
  content: { text: string };
  memoryStrategyId?: string;
  namespaces: string[];
  /** Epoch seconds. */
  createdAt: number;
  metadata?: Record<string, MetadataValueWire>;
}

class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

const MEMORY_ID = /^[a-zA-Z][a-zA-Z0-9-_]{0,99}-[a-zA-Z0-9]{10}$/;
/** ActorId, 1-255. */
const ACTOR_ID = /^[a-zA-Z0-9][a-zA-Z0-9-_/]*(?::[a-zA-Z0-9-_/]+)*[a-zA-Z0-9-_/]*$/;
/** SessionId, 1-100. */
const SESSION_ID = /^[a-zA-Z0-9][a-zA-Z0-9-_]*$/;
/** Namespace, 1-1024. */
const NAMESPACE = /^[a-zA-Z0-9/*][a-zA-Z0-9-_/*]*(?::[a-zA-Z0-9-_/*]+)*[a-zA-Z0-9-_/*]*$/;
/** MetadataKey 1-128; MetadataValue / MemoryRecordMetadataValue stringValue ≤ 256, same alphabet. */
const METADATA_TEXT = /^[a-zA-Z0-9\s._:/=+@-]*$/;
/** RequestIdentifier, 1-80. */
const REQUEST_IDENTIFIER = /^[a-zA-Z0-9_-]+$/;
const ROLES = ['ASSISTANT', 'USER', 'TOOL', 'OTHER'];
const PREFERENCE_WORDS = /\b(prefer|prefers|rather|like|likes|love|loves|hate|hates|favourite|favorite)\b/i;

export const LOOPBACK_MEMORY_ID = 'agenticMemoryLoopback-0123456789';

export async function startAgentCoreServer(
  options: { memoryId?: string; extractionLagMs?: number; strategies?: LoopbackStrategy[] } = {},
): Promise<AgentCoreLoopbackServer> {
  const server = new AgentCoreLoopbackServer(
    options.memoryId ?? LOOPBACK_MEMORY_ID,
    options.strategies ?? [],
    options.extractionLagMs ?? 0,
  );
  await server.listen();
  return server;
}

export class AgentCoreLoopbackServer {
  readonly requests: RecordedAgentCoreRequest[] = [];
  readonly events: StoredEvent[] = [];
  readonly records = new Map<string, StoredRecord>();
  private readonly server = http.createServer((request, response) => void this.handle(request, response));
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pendingExtractions = new Set<Promise<void>>();
  private readonly clientTokens = new Map<string, unknown>();
  private behaviour: AgentCoreBehaviour = { mode: 'normal' };
  private remaining: number | undefined;
  private spared = 0;
  private address?: AddressInfo;

  constructor(
    readonly memoryId: string,
    readonly strategies: LoopbackStrategy[],
    public extractionLagMs: number,
  ) {
    if (!MEMORY_ID.test(memoryId)) throw new Error(`not a memory id: ${memoryId}`);
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get url(): string {
    if (!this.address) throw new Error('the AgentCore loopback server is not listening');
    return `http://127.0.0.1:${this.address.port}`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.address = this.server.address() as AddressInfo;
  }

  behave(behaviour: AgentCoreBehaviour): void {
    this.behaviour = behaviour;
    this.remaining = behaviour.times;
    this.spared = behaviour.after ?? 0;
  }

  /** Resolves once every extraction scheduled so far has run. */
  async settle(): Promise<void> {
    while (this.pendingExtractions.size > 0) await Promise.all([...this.pendingExtractions]);
  }

  /** Events expire (eventExpiryDuration); long-term records stay. */
  expireEvents(): void {
    this.events.length = 0;
  }

  /** Stores a record directly, e.g. as a strategy would have, with a chosen creation time. */
  seedRecord(record: {
    namespace: string;
    text: string;
    createdAt?: Date;
    strategyId?: string;
    metadata?: Record<string, MetadataValueWire>;
  }): StoredRecord {
    return this.storeRecord({
      memoryRecordId: newRecordId(),
      content: { text: record.text },
      namespaces: [record.namespace],
      createdAt: (record.createdAt ?? new Date()).getTime() / 1000,
      ...(record.strategyId ? { memoryStrategyId: record.strategyId } : {}),
      ...(record.metadata ? { metadata: record.metadata } : {}),
    });
  }

  recordsUnder(prefix: string): StoredRecord[] {
    return [...this.records.values()].filter((r) => r.namespaces.some((ns) => ns.startsWith(prefix)));
  }

  eventsOf(actorId: string): StoredEvent[] {
    return this.events.filter((event) => event.actorId === actorId);
  }

  /** Stops listening and drops every connection, hung ones included. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  // ---- request handling --------------------------------------------------------------------------

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = request.method ?? '';
    const operation = operationOf(method, segments);
    let body: Record<string, unknown> | undefined;
    try {
      const parsed = await readJson(request);
      body = parsed === undefined ? undefined : asObject(parsed, 'body');
    } catch {
      this.record({ operation, method, path: url.pathname, query: {}, body: undefined, headers: request.headers });
      sendError(response, new ServiceError(400, 'ValidationException', 'request body is not JSON'));
      return;
    }
    this.record({
      operation,
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      headers: request.headers,
    });

    const fault = this.faultFor(operation);
    if (fault?.delayMs) await this.sleep(fault.delayMs);
    if (fault?.mode === 'hang') return;
    if (fault?.mode === 'reset') {
      request.socket.destroy();
      return;
    }
    if (fault?.mode === 'throttle') {
      sendError(response, new ServiceError(429, 'ThrottledException', 'Rate exceeded'));
      return;
    }
    if (fault?.mode === 'recordFailures' && Array.isArray(body?.records)) {
      const failedRecords = body.records.map((record: unknown) => ({
        memoryRecordId: String((record as Record<string, unknown>).memoryRecordId ?? newRecordId()),
        requestIdentifier: (record as Record<string, unknown>).requestIdentifier,
        status: 'FAILED',
        errorCode: fault.errorCode ?? 500,
        errorMessage: 'Injected record failure',
      }));
      send(response, operation === 'BatchCreateMemoryRecords' ? 201 : 200, { successfulRecords: [], failedRecords });
      return;
    }
    if (fault?.mode === 'status') {
      const status = fault.status ?? 500;
      sendError(
        response,
        new ServiceError(status, fault.errorType ?? 'ServiceException', fault.message ?? 'Injected failure'),
      );
      return;
    }

    try {
      if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 Credential=')) {
        throw new ServiceError(403, 'AccessDeniedException', 'Missing Authentication Token');
      }
      const { status, payload } = this.route(operation, segments, body ?? {}, url.searchParams);
      send(response, status, payload);
    } catch (error) {
      if (error instanceof ServiceError) sendError(response, error);
      else sendError(response, new ServiceError(500, 'ServiceException', String(error)));
    }
  }

  private record(request: RecordedAgentCoreRequest): void {
    this.requests.push(request);
  }

  private faultFor(operation: string): AgentCoreBehaviour | undefined {
    const behaviour = this.behaviour;
    if (behaviour.mode === 'normal' && !behaviour.delayMs) return undefined;
    if (behaviour.operations && !behaviour.operations.includes(operation)) return undefined;
    if (this.spared > 0) {
      this.spared -= 1;
      return undefined;
    }
    if (this.remaining !== undefined) {
      this.remaining -= 1;
      if (this.remaining <= 0) this.behave({ mode: 'normal' });
    }
    return behaviour;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private route(
    operation: string,
    segments: string[],
    body: Record<string, unknown>,
    query: URLSearchParams,
  ): { status: number; payload: unknown } {
    if (segments[0] !== 'memories' || segments[1] === undefined) throw notFound('No such route');
    if (segments[1] !== this.memoryId) {
      throw new ServiceError(404, 'ResourceNotFoundException', `Memory ${segments[1]} not found`);
    }
    switch (operation) {
      case 'CreateEvent':
        return { status: 201, payload: this.createEvent(body) };
      case 'ListEvents':
        return { status: 200, payload: this.listEvents(segments[3], segments[5], body) };
      case 'DeleteEvent':
        return { status: 200, payload: this.deleteEvent(segments[3], segments[5], segments[7]) };
      case 'ListSessions':
        return { status: 200, payload: this.listSessions(segments[3], body) };
      case 'ListActors':
        return { status: 200, payload: this.listActors(body) };
      case 'ListMemoryRecords':
        return { status: 200, payload: this.listRecords(body) };
      case 'RetrieveMemoryRecords':
        return { status: 200, payload: this.retrieve(body) };
      case 'BatchCreateMemoryRecords':
        return { status: 201, payload: this.batchCreate(body) };
      case 'BatchDeleteMemoryRecords':
        return { status: 200, payload: this.batchDelete(body) };
      case 'GetMemoryRecord':
        return { status: 200, payload: { memoryRecord: summaryOf(this.existingRecord(segments[3])) } };
      case 'DeleteMemoryRecord': {
        const record = this.existingRecord(segments[3]);
        const namespace = query.get('namespace');
        if (namespace !== null && !record.namespaces.includes(namespace)) {
          throw new ServiceError(400, 'ValidationException', 'namespace does not match the record');
        }
        this.records.delete(record.memoryRecordId);
        return { status: 200, payload: { memoryRecordId: record.memoryRecordId } };
      }
      default:
        throw notFound('No such route');
    }
  }

  // ---- short-term memory -------------------------------------------------------------------------

  private createEvent(body: Record<string, unknown>): unknown {
    const actorId = requiredText(body.actorId, 'actorId', 1, 255, ACTOR_ID);
    const sessionId =
      body.sessionId === undefined ? randomUUID() : requiredText(body.sessionId, 'sessionId', 1, 100, SESSION_ID);
    if (typeof body.eventTimestamp !== 'number') throw invalid('eventTimestamp is required (epoch seconds)');
    const payload = body.payload;
    // PayloadTypeList: at most 100 items.
    if (!Array.isArray(payload) || payload.length > 100) throw invalid('payload must be a list of at most 100 items');
    for (const item of payload) validatePayloadItem(item);
    const metadata = eventMetadataOf(body.metadata);
    const token = typeof body.clientToken === 'string' ? `CreateEvent:${body.clientToken}` : undefined;
    if (token && this.clientTokens.has(token)) return this.clientTokens.get(token);

    const event: StoredEvent = {
      memoryId: this.memoryId,
      actorId,
      sessionId,
      eventId: `${Date.now()}#${randomBytes(8).toString('hex')}`,
      eventTimestamp: body.eventTimestamp,
      payload: payload as StoredEvent['payload'],
      ...(metadata ? { metadata } : {}),
      createdAtMs: Date.now(),
    };
    this.events.push(event);
    const answer = { event: eventWire(event, true) };
    if (token) this.clientTokens.set(token, answer);
    this.scheduleExtraction(event);
    return answer;
  }

  private listEvents(actorId: string | undefined, sessionId: string | undefined, body: Record<string, unknown>) {
    requiredText(actorId, 'actorId', 1, 255, ACTOR_ID);
    requiredText(sessionId, 'sessionId', 1, 100, SESSION_ID);
    const includePayloads = body.includePayloads !== false;
    const matching = this.events.filter((e) => e.actorId === actorId && e.sessionId === sessionId);
    const { items, nextToken } = page(matching, body);
    return { events: items.map((event) => eventWire(event, includePayloads)), ...(nextToken ? { nextToken } : {}) };
  }

  private deleteEvent(actorId: string | undefined, sessionId: string | undefined, eventId: string | undefined) {
    const index = this.events.findIndex(
      (e) => e.actorId === actorId && e.sessionId === sessionId && e.eventId === eventId,
    );
    if (index < 0) throw new ServiceError(404, 'ResourceNotFoundException', 'Event not found');
    this.events.splice(index, 1);
    return { eventId };
  }

  private listSessions(actorId: string | undefined, body: Record<string, unknown>) {
    requiredText(actorId, 'actorId', 1, 255, ACTOR_ID);
    const sessions = new Map<string, number>();
    for (const event of this.events.filter((e) => e.actorId === actorId)) {
      sessions.set(event.sessionId, Math.min(sessions.get(event.sessionId) ?? Infinity, event.createdAtMs));
    }
    const { items, nextToken } = page([...sessions], body);
    return {
      sessionSummaries: items.map(([sessionId, createdAtMs]) => ({
        sessionId,
        actorId,
        createdAt: createdAtMs / 1000,
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  private listActors(body: Record<string, unknown>) {
    const actors = [...new Set(this.events.map((e) => e.actorId))];
    const { items, nextToken } = page(actors, body);
    return { actorSummaries: items.map((actorId) => ({ actorId })), ...(nextToken ? { nextToken } : {}) };
  }

  // ---- long-term memory --------------------------------------------------------------------------

  private listRecords(body: Record<string, unknown>) {
    const namespace = requiredText(body.namespace, 'namespace', 1, 1024, NAMESPACE);
    // Insertion order: the service documents no order, so callers must sort for themselves.
    const { items, nextToken } = page(this.recordsUnder(namespace), body);
    return { memoryRecordSummaries: items.map(summaryOf), ...(nextToken ? { nextToken } : {}) };
  }

  private retrieve(body: Record<string, unknown>) {
    const namespace = requiredText(body.namespace, 'namespace', 1, 1024, NAMESPACE);
    const criteria = asObject(body.searchCriteria, 'searchCriteria');
    const query = requiredText(criteria.searchQuery, 'searchCriteria.searchQuery', 1, 10_000);
    const topK = criteria.topK === undefined ? 10 : integerIn(criteria.topK, 'searchCriteria.topK', 1, 100);
    const candidates = this.recordsUnder(namespace);
    const byId = new Map(candidates.map((r) => [r.memoryRecordId, r]));
    const ranked = new KeywordIndex(candidates.map((r) => ({ id: r.memoryRecordId, memory: r.content.text }))).search(
      query,
      topK,
    );
    const { items, nextToken } = page(ranked, body);
    return {
      memoryRecordSummaries: items.map(({ id, score }) => ({ ...summaryOf(byId.get(id) as StoredRecord), score })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  private batchCreate(body: Record<string, unknown>) {
    const records = body.records;
    // MemoryRecordsCreateInputList: at most 100.
    if (!Array.isArray(records) || records.length > 100) throw invalid('records must be a list of at most 100');
    const token = typeof body.clientToken === 'string' ? `BatchCreate:${body.clientToken}` : undefined;
    if (token && this.clientTokens.has(token)) return this.clientTokens.get(token);
    const inputs = records.map((raw) => {
      const input = asObject(raw, 'record');
      const requestIdentifier = requiredText(input.requestIdentifier, 'requestIdentifier', 1, 80, REQUEST_IDENTIFIER);
      // NamespacesList: at most 1.
      if (!Array.isArray(input.namespaces) || input.namespaces.length !== 1) {
        throw invalid('namespaces must hold exactly one namespace');
      }
      const namespace = requiredText(input.namespaces[0], 'namespaces[0]', 1, 1024, NAMESPACE);
      // MemoryContent.text: 1-16,000.
      const text = requiredText(asObject(input.content, 'content').text, 'content.text', 1, 16_000);
      if (typeof input.timestamp !== 'number') throw invalid('timestamp is required (epoch seconds)');
      const metadata = recordMetadataOf(input.metadata);
      return {
        requestIdentifier,
        namespace,
        text,
        timestamp: input.timestamp,
        metadata,
        strategy: input.memoryStrategyId,
      };
    });
    const successfulRecords = inputs.map((input) => {
      const stored = this.storeRecord({
        memoryRecordId: newRecordId(),
        content: { text: input.text },
        namespaces: [input.namespace],
        createdAt: input.timestamp,
        ...(typeof input.strategy === 'string' ? { memoryStrategyId: input.strategy } : {}),
        ...(input.metadata ? { metadata: input.metadata } : {}),
      });
      return { memoryRecordId: stored.memoryRecordId, status: 'SUCCEEDED', requestIdentifier: input.requestIdentifier };
    });
    const answer = { successfulRecords, failedRecords: [] };
    if (token) this.clientTokens.set(token, answer);
    return answer;
  }

  private batchDelete(body: Record<string, unknown>) {
    const records = body.records;
    if (!Array.isArray(records) || records.length > 100) throw invalid('records must be a list of at most 100');
    const successfulRecords: unknown[] = [];
    const failedRecords: unknown[] = [];
    for (const raw of records) {
      const id = requiredText(asObject(raw, 'record').memoryRecordId, 'memoryRecordId', 40, 50);
      if (this.records.delete(id)) successfulRecords.push({ memoryRecordId: id, status: 'SUCCEEDED' });
      else failedRecords.push({ memoryRecordId: id, status: 'FAILED', errorCode: 404, errorMessage: 'Not found' });
    }
    return { successfulRecords, failedRecords };
  }

  private existingRecord(id: string | undefined): StoredRecord {
    const record = id === undefined ? undefined : this.records.get(id);
    if (!record) throw new ServiceError(404, 'ResourceNotFoundException', 'Memory record not found');
    return record;
  }

  private storeRecord(record: StoredRecord): StoredRecord {
    this.records.set(record.memoryRecordId, record);
    return record;
  }

  // ---- simulated extraction ----------------------------------------------------------------------

  private scheduleExtraction(event: StoredEvent): void {
    if (this.strategies.length === 0) return;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.extract(event);
        resolve();
      }, this.extractionLagMs);
      this.timers.add(timer);
    });
    this.pendingExtractions.add(done);
    void done.then(() => this.pendingExtractions.delete(done));
  }

  private extract(event: StoredEvent): void {
    const userTexts = event.payload
      .filter((item) => item.conversational?.role === 'USER')
      .map((item) => (item.conversational?.content.text ?? '').trim())
      .filter((text) => text !== '');
    if (userTexts.length === 0) return;
    const now = Date.now() / 1000;
    for (const strategy of this.strategies) {
      const namespace = strategy.namespace
        .replace('{actorId}', event.actorId)
        .replace('{sessionId}', event.sessionId)
        .replace('{memoryStrategyId}', strategy.strategyId);
      if (strategy.type === 'SUMMARIZATION') {
        // One running summary per session, rewritten from all of the session's events.
        const existing = [...this.records.values()].find(
          (r) => r.memoryStrategyId === strategy.strategyId && r.namespaces[0] === namespace,
        );
        const said = this.events
          .filter((e) => e.actorId === event.actorId && e.sessionId === event.sessionId)
          .flatMap((e) => e.payload.filter((item) => item.conversational?.role === 'USER'))
          .map((item) => item.conversational?.content.text.trim());
        const text = `In this call the caller said: ${said.join(' ')}`.slice(0, 16_000);
        if (existing) existing.content = { text };
        else this.seedRecord({ namespace, text, strategyId: strategy.strategyId });
        continue;
      }
      const texts = strategy.type === 'USER_PREFERENCE' ? userTexts.filter((t) => PREFERENCE_WORDS.test(t)) : userTexts;
      for (const text of texts) {
        this.storeRecord({
          memoryRecordId: newRecordId(),
          content: { text: text.slice(0, 16_000) },
          memoryStrategyId: strategy.strategyId,
          namespaces: [namespace],
          createdAt: now,
        });
      }
    }
  }
}

// ---- wire helpers --------------------------------------------------------------------------------

function operationOf(method: string, s: string[]): string {
  if (s[0] !== 'memories') return 'Unknown';
  const [, , a, , b, , c] = s;
  if (method === 'POST' && s.length === 3 && a === 'events') return 'CreateEvent';
  if (method === 'POST' && s.length === 3 && a === 'actors') return 'ListActors';
  if (method === 'POST' && s.length === 3 && a === 'retrieve') return 'RetrieveMemoryRecords';
  if (method === 'POST' && s.length === 3 && a === 'memoryRecords') return 'ListMemoryRecords';
  if (method === 'POST' && s.length === 4 && a === 'memoryRecords' && s[3] === 'batchCreate')
    return 'BatchCreateMemoryRecords';
  if (method === 'POST' && s.length === 4 && a === 'memoryRecords' && s[3] === 'batchDelete')
    return 'BatchDeleteMemoryRecords';
  if (method === 'DELETE' && s.length === 4 && a === 'memoryRecords') return 'DeleteMemoryRecord';
  if (method === 'GET' && s.length === 4 && a === 'memoryRecord') return 'GetMemoryRecord';
  if (method === 'POST' && s.length === 5 && a === 'actor' && b === 'sessions') return 'ListSessions';
  if (method === 'POST' && s.length === 6 && a === 'actor' && b === 'sessions') return 'ListEvents';
  if (method === 'DELETE' && s.length === 8 && a === 'actor' && b === 'sessions' && c === 'events')
    return 'DeleteEvent';
  return 'Unknown';
}

function eventWire(event: StoredEvent, includePayloads: boolean): Record<string, unknown> {
  return {
    memoryId: event.memoryId,
    actorId: event.actorId,
    sessionId: event.sessionId,
    eventId: event.eventId,
    eventTimestamp: event.eventTimestamp,
    payload: includePayloads ? event.payload : [],
    ...(event.metadata ? { metadata: event.metadata } : {}),
  };
}

function summaryOf(record: StoredRecord): Record<string, unknown> {
  return {
    memoryRecordId: record.memoryRecordId,
    content: record.content,
    ...(record.memoryStrategyId ? { memoryStrategyId: record.memoryStrategyId } : {}),
    namespaces: record.namespaces,
    createdAt: record.createdAt,
    ...(record.metadata ? { metadata: record.metadata } : {}),
  };
}

/** nextToken is the offset; maxResults 1-100 (MaxResults), 20 when not given (as the API reference says). */
function page<T>(items: T[], body: Record<string, unknown>): { items: T[]; nextToken?: string } {
  const size = body.maxResults === undefined ? 20 : integerIn(body.maxResults, 'maxResults', 1, 100);
  const start = body.nextToken === undefined ? 0 : Number(Buffer.from(String(body.nextToken), 'base64url').toString());
  if (!Number.isInteger(start) || start < 0) throw invalid('nextToken is not one this server gave');
  const end = start + size;
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { nextToken: Buffer.from(String(end)).toString('base64url') } : {}),
  };
}

function validatePayloadItem(raw: unknown): void {
  const item = asObject(raw, 'payload item');
  const members = Object.keys(item);
  if (members.length !== 1) throw invalid('each payload item is a union: exactly one member');
  if (members[0] === 'blob' || members[0] === 'json') return;
  if (members[0] !== 'conversational') throw invalid(`unknown payload member ${members[0]}`);
  const conversational = asObject(item.conversational, 'conversational');
  if (!ROLES.includes(String(conversational.role))) throw invalid(`role must be one of ${ROLES.join(', ')}`);
  // Content.text: 1-100,000.
  requiredText(asObject(conversational.content, 'content').text, 'content.text', 1, 100_000);
}

/** MetadataMap on events: at most 15 entries of stringValue. */
function eventMetadataOf(raw: unknown): Record<string, { stringValue: string }> | undefined {
  if (raw === undefined) return undefined;
  const metadata = asObject(raw, 'metadata');
  if (Object.keys(metadata).length > 15) throw invalid('event metadata holds at most 15 entries');
  const result: Record<string, { stringValue: string }> = {};
  for (const [key, value] of Object.entries(metadata)) {
    requiredText(key, 'metadata key', 1, 128, METADATA_TEXT);
    result[key] = { stringValue: requiredText(asObject(value, key).stringValue, key, 0, 256, METADATA_TEXT) };
  }
  return result;
}

/** Record metadata: at most 20 entries; stringValue 1-256 of the metadata alphabet (API reference, MemoryRecordMetadataValue). */
function recordMetadataOf(raw: unknown): Record<string, MetadataValueWire> | undefined {
  if (raw === undefined) return undefined;
  const metadata = asObject(raw, 'metadata');
  if (Object.keys(metadata).length > 20) throw invalid('record metadata holds at most 20 entries');
  const result: Record<string, MetadataValueWire> = {};
  for (const [key, value] of Object.entries(metadata)) {
    requiredText(key, 'metadata key', 1, 128, METADATA_TEXT);
    const union = asObject(value, key);
    if (Object.keys(union).length !== 1) throw invalid(`metadata ${key} is a union: exactly one member`);
    if (union.stringValue !== undefined) requiredText(union.stringValue, key, 1, 256, METADATA_TEXT);
    else if (union.numberValue !== undefined && typeof union.numberValue !== 'number') throw invalid(`${key}: number`);
    else if (union.dateTimeValue !== undefined && typeof union.dateTimeValue !== 'number')
      throw invalid(`${key}: date`);
    result[key] = union as MetadataValueWire;
  }
  return result;
}

function requiredText(value: unknown, what: string, min: number, max: number, pattern?: RegExp): string {
  if (typeof value !== 'string') throw invalid(`${what} is required`);
  const length = [...value].length;
  if (length < min || length > max) throw invalid(`${what} must be ${min}-${max} characters, not ${length}`);
  if (pattern && !pattern.test(value)) throw invalid(`${what} does not match ${pattern}`);
  return value;
}

function integerIn(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${what} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function newRecordId(): string {
  // MemoryRecordId: `mem-[a-zA-Z0-9-_]*`, 40-50 characters.
  return `mem-${randomUUID()}`;
}

function invalid(message: string): ServiceError {
  return new ServiceError(400, 'ValidationException', message);
}

function notFound(message: string): ServiceError {
  return new ServiceError(404, 'ResourceNotFoundException', message);
}

async function readJson(request: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

function send(response: http.ServerResponse, status: number, payload: unknown): void {
  if (response.destroyed) return;
  const body = JSON.stringify(payload);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function sendError(response: http.ServerResponse, error: ServiceError): void {
  if (response.destroyed) return;
  const body = JSON.stringify({
    message: error.message,
    ...(error.errorType === 'ValidationException' ? { reason: 'CannotParse' } : {}),
  });
  response.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': error.errorType,
  });
  response.end(body);
}
