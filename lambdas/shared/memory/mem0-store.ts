import './mem0-telemetry-off'; // must stay above 'mem0ai': it reads MEM0_TELEMETRY when loaded
import { randomUUID } from 'node:crypto';
import MemoryClient from 'mem0ai';
import { parseMemoryIdentity, type CallerId } from '../caller';
import { rememberSecretValue } from '../logging';
import {
  MEMORY_TYPES,
  Memory,
  MemoryPage,
  MemoryStore,
  MemoryStoreError,
  ListOptions,
  MemoryType,
  NewMemory,
} from './memory-store';

/** Mem0 refuses larger pages. */
const MEM0_MAX_PAGE_SIZE = 200;
/** Bounds a listing (200 × 500 = 100,000 memories or callers) should a server keep answering `next`. */
const MAX_PAGES = 500;
/** A rotated key leaves its old client behind; keep only a few. */
const MAX_CACHED_CLIENTS = 4;

const clients = new Map<string, MemoryClient>();

/**
 * The Mem0 client for this API key and host, built once per process: the constructor pings
 * Mem0, so a warm Lambda must reuse it rather than pay that round trip on every call.
 */
export function mem0Client(apiKey: string, host?: string): MemoryClient {
  const cacheKey = `${host ?? ''}\0${apiKey}`;
  let client = clients.get(cacheKey);
  if (!client) {
    rememberSecretValue(apiKey);
    client = new MemoryClient({ apiKey, host });
    // mem0ai gives a client a random id once its constructor's ping succeeds; after a failed ping
    // (Mem0 unreachable at start) the id stays empty and every call prints "No telemetry ID found
    // for instance", for the life of the process. Telemetry stays off (mem0-telemetry-off.ts): the
    // id only settles that check. mem0ai sends it as Mem0-User-ID, as it sends its own random one.
    client.telemetryId = randomUUID();
    if (clients.size >= MAX_CACHED_CLIENTS) clients.delete(clients.keys().next().value as string);
    clients.set(cacheKey, client);
  }
  return client;
}

/** Gives the client when first needed, so the API key can come from Secrets Manager lazily. */
export type Mem0ClientProvider = () => Promise<MemoryClient>;

/**
 * Caller memories in Mem0 Cloud. The caller id is Mem0's `user_id`. Deadlines are the caller's
 * business (the client has no timeout); every failure is a `MemoryStoreError`.
 */
export class Mem0MemoryStore implements MemoryStore {
  constructor(private readonly client: Mem0ClientProvider) {}

  async list(callerId: CallerId, options: ListOptions): Promise<MemoryPage> {
    const pageSize = Math.max(1, Math.min(Math.floor(options.limit), MEM0_MAX_PAGE_SIZE));
    const metadata: Record<string, string> = { type: options.type };
    if (options.conversationId !== undefined) metadata.conversation_id = options.conversationId;
    const response: unknown = await this.call('list', (client) =>
      client.getAll({
        filters: { AND: [{ user_id: callerId }, { metadata }] },
        page: 1,
        pageSize,
      }),
    );
    const answered = resultsOf(response, 'list')
      .map((raw) => toMemory(raw, options.type))
      .filter((memory): memory is OwnedMemory => memory !== undefined);
    const memories = answered.filter((memory) => isOwnedBy(memory, callerId)).map(withoutOwner);
    // Another caller's memories are not counted either: they would make a stranger a returning caller.
    const foreign = answered.length - memories.length;
    const count = isRecord(response) ? response.count : undefined;
    return {
      memories: newestFirst(memories).slice(0, Math.max(0, options.limit)),
      total: typeof count === 'number' ? Math.max(memories.length, count - foreign) : memories.length,
    };
  }

  async search(callerId: CallerId, query: string, options: { limit: number }): Promise<Memory[]> {
    if (query.trim() === '' || options.limit < 1) return [];
    const response: unknown = await this.call('search', (client) =>
      client.search(query, { filters: { user_id: callerId }, topK: options.limit }),
    );
    return resultsOf(response, 'search')
      .map((raw) => toMemory(raw, 'semantic'))
      .filter((memory): memory is OwnedMemory => memory !== undefined && isOwnedBy(memory, callerId))
      .map(withoutOwner)
      .slice(0, options.limit);
  }

  /** Mem0 accepts the write and processes it later (`{event_id, status: 'PENDING'}`): accepted is success. */
  async add(callerId: CallerId, memory: NewMemory): Promise<void> {
    const metadata = { ...memory.metadata };
    // Mem0 dates a memory by its add time unless told otherwise; a call ingested late (after an
    // outage, from the dead-letter queue) must still sort by when it happened.
    const happenedAt = metadata.timestamp ? Date.parse(metadata.timestamp) : NaN;
    const timestamp = Number.isFinite(happenedAt) ? Math.floor(happenedAt / 1000) : undefined;
    if (memory.kind === 'text') {
      if (memory.text.trim() === '') return;
      await this.call('add', (client) =>
        client.add([{ role: 'user', content: memory.text }], { userId: callerId, metadata, infer: false, timestamp }),
      );
      return;
    }
    const turns = memory.turns.filter((turn) => turn.content.trim() !== '');
    if (turns.length === 0) return;
    await this.call('add', (client) =>
      client.add(
        turns.map((turn) => ({ role: turn.role, content: turn.content })),
        { userId: callerId, metadata, infer: true, timestamp },
      ),
    );
  }

  async deleteCaller(callerId: CallerId): Promise<void> {
    await this.call('deleteCaller', async (client) => {
      try {
        await client.deleteAll({ userId: callerId });
      } catch (error) {
        // Nothing stored for this caller: the erasure is already done.
        if (httpStatus(error) !== 404) throw error;
      }
    });
  }

  async listAll(callerId: CallerId): Promise<Memory[]> {
    const memories: Memory[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const response: unknown = await this.call('listAll', (client) =>
        client.getAll({ filters: { user_id: callerId }, page, pageSize: MEM0_MAX_PAGE_SIZE }),
      );
      const results = resultsOf(response, 'listAll');
      for (const raw of results) {
        const memory = toMemory(raw, 'semantic');
        if (memory !== undefined && isOwnedBy(memory, callerId)) memories.push(withoutOwner(memory));
      }
      if (results.length < MEM0_MAX_PAGE_SIZE || !hasNextPage(response)) break;
    }
    return newestFirst(memories);
  }

  /**
   * Mem0 deletes by id alone: the memory is read first, and one that belongs to another identity
   * is left alone, as the other stores do.
   */
  async deleteMemory(callerId: CallerId, memoryId: string): Promise<void> {
    await this.call('deleteMemory', async (client) => {
      try {
        const memory: unknown = await client.get(memoryId);
        if (!isRecord(memory) || ownerOf(memory) !== callerId) return;
        await client.delete(memoryId);
      } catch (error) {
        if (httpStatus(error) !== 404) throw error;
      }
    });
  }

  /** Mem0's `user` entities of the project: use a Mem0 project for AgenticMemory alone. */
  async callerIds(): Promise<CallerId[]> {
    const callers: CallerId[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const response: unknown = await this.call('callerIds', (client) =>
        client.users({ page, pageSize: MEM0_MAX_PAGE_SIZE }),
      );
      const results = resultsOf(response, 'callerIds');
      for (const entity of results) {
        if (!isRecord(entity) || (entity.type !== undefined && entity.type !== 'user')) continue;
        const parsed = typeof entity.name === 'string' ? parseMemoryIdentity(entity.name) : undefined;
        // Only ids this project writes: a memory identity (scoped or not) exactly as normalised.
        if (parsed && parsed.identity === entity.name) callers.push(parsed.identity);
      }
      if (results.length === 0 || !hasNextPage(response)) break;
    }
    return [...new Set(callers)];
  }

  private async call<T>(operation: string, work: (client: MemoryClient) => Promise<T>): Promise<T> {
    let client: MemoryClient | undefined;
    try {
      client = await this.client();
      return await work(client);
    } catch (error) {
      throw toMemoryStoreError(error, operation, client?.apiKey);
    }
  }
}

// ---- wire shape -------------------------------------------------------------------------------

type OwnedMemory = Memory & { owner?: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Mem0 answers either a bare array or `{ results }` depending on route and version. */
function resultsOf(response: unknown, operation: string): unknown[] {
  if (Array.isArray(response)) return response;
  if (isRecord(response) && Array.isArray(response.results)) return response.results;
  throw new MemoryStoreError(`Mem0 ${operation} answered an unexpected shape`, false);
}

/** A paginated answer says whether there is more; a bare array is all there is. */
function hasNextPage(response: unknown): boolean {
  return isRecord(response) && typeof response.next === 'string' && response.next !== '';
}

/** The client camel-cases keys; snake_case is read too in case a route escapes that. */
function toMemory(raw: unknown, fallbackType: MemoryType): OwnedMemory | undefined {
  if (!isRecord(raw)) return undefined;
  const id = typeof raw.id === 'string' || typeof raw.id === 'number' ? String(raw.id) : undefined;
  const data = isRecord(raw.data) ? raw.data : {};
  const text = typeof raw.memory === 'string' ? raw.memory : data.memory;
  if (id === undefined || typeof text !== 'string') return undefined;

  const metadata = isRecord(raw.metadata) ? raw.metadata : {};
  const type = MEMORY_TYPES.includes(metadata.type as MemoryType) ? (metadata.type as MemoryType) : fallbackType;
  const memory: OwnedMemory = { id, memory: text, metadata: { ...metadata, type } };

  const createdAt = isoTime(raw.createdAt ?? raw.created_at);
  if (createdAt !== undefined) memory.createdAt = createdAt;
  if (typeof raw.score === 'number' && Number.isFinite(raw.score)) {
    memory.score = Math.min(1, Math.max(0, raw.score));
  }
  const owner = raw.userId ?? raw.user_id;
  if (owner !== undefined && owner !== null) memory.owner = String(owner);
  return memory;
}

/** Defence in depth: the filter already scopes the query to this caller. */
function isOwnedBy(memory: OwnedMemory, callerId: CallerId): boolean {
  return memory.owner === undefined || memory.owner === callerId;
}

function withoutOwner({ owner: _owner, ...memory }: OwnedMemory): Memory {
  return memory;
}

function isoTime(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function newestFirst(memories: Memory[]): Memory[] {
  const time = (memory: Memory) => {
    const ms = memory.createdAt === undefined ? NaN : Date.parse(memory.createdAt);
    return Number.isNaN(ms) ? -Infinity : ms;
  };
  return [...memories].sort((a, b) => {
    const [ta, tb] = [time(a), time(b)];
    return ta === tb ? 0 : tb > ta ? 1 : -1;
  });
}

// ---- errors ------------------------------------------------------------------------------------

const MAX_DETAIL_CHARS = 200;

/**
 * Mem0 client errors in terms a handler acts on. mem0ai turns every HTTP error into a class by
 * status and records the status in `errorCode` (`HTTP_429`): RateLimitError (429), NetworkError
 * (408, 502–504) and 5xx are retryable; ValidationError (400/409/422), AuthenticationError
 * (401/403), MemoryNotFoundError (404) and MemoryQuotaExceededError (413) are not. No answer at
 * all (`TypeError: fetch failed`: refused, reset, DNS) and anything unrecognised count as
 * retryable: a needless retry is bounded by the queue, a lost write is not.
 */
export function toMemoryStoreError(error: unknown, operation: string, apiKey?: string): MemoryStoreError {
  if (error instanceof MemoryStoreError) return error;
  const status = httpStatus(error);
  const retryable = status === undefined || status >= 500 || status === 408 || status === 429;
  const detail = redact(describe(error), apiKey);
  return new MemoryStoreError(`Mem0 ${operation} failed: ${detail}`, retryable, { cause: error });
}

function httpStatus(error: unknown): number | undefined {
  const code = isRecord(error) ? error.errorCode : undefined;
  const match = typeof code === 'string' ? /^HTTP_(\d{3})$/.exec(code) : null;
  return match ? Number(match[1]) : undefined;
}

/** `RateLimitError | HTTP 429 | <body>`, or `TypeError | ECONNREFUSED | fetch failed`. */
function describe(error: unknown): string {
  // Duck-typed: fetch's errors come from another realm where `instanceof Error` fails (jest, vm).
  if (!isRecord(error) || typeof error.message !== 'string') return String(error).slice(0, MAX_DETAIL_CHARS);
  const firstLine = error.message.split('\n', 1)[0].slice(0, MAX_DETAIL_CHARS);
  const status = httpStatus(error);
  return [error.name, status && `HTTP ${status}`, systemCode(error), firstLine].filter(Boolean).join(' | ');
}

/** fetch hides the socket error (ECONNREFUSED, ECONNRESET, …) in its cause chain. */
function systemCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; isRecord(current) && depth < 5; current = current.cause, depth++) {
    if (typeof current.code === 'string') return current.code;
  }
  return undefined;
}

/** Runs of 7+ digits (phone numbers, possibly written with separators) in an upstream answer. */
const DIGIT_RUN = /\+?\d(?:[\s\-().]?\d){6,}/g;

/**
 * Error text ends up in logs: without the API key, and without phone numbers, which an upstream
 * validation error may quote back from the request.
 */
function redact(text: string, apiKey: string | undefined): string {
  const withoutKey = apiKey && apiKey.length >= 4 ? text.split(apiKey).join('[redacted]') : text;
  return withoutKey.replace(DIGIT_RUN, (run) => `…${run.replace(/\D/g, '').slice(-4)}`);
}

/** The identity a memory read by id belongs to (the client camel-cases `user_id`). */
function ownerOf(memory: Record<string, unknown>): unknown {
  return memory.userId ?? memory.user_id;
}
