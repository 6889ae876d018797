import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { KeywordIndex } from '../../lambdas/shared/memory/embedded-store';

/**
 * A loopback stand-in for the Mem0 platform, speaking the routes mem0ai's MemoryClient uses
 * (see CONTRACTS.md "Mem0 platform"), snake_case on the wire, with real keyword ranking behind
 * search. `behave()` injects faults; `requests` records what the client sent.
 */

export interface Mem0Behaviour {
  /** normal: answer; hang: never answer; status: answer `status` with `body`; reset: destroy the connection. */
  mode: 'normal' | 'hang' | 'status' | 'reset';
  /** For `status`. Default 500. */
  status?: number;
  /** For `status`. Default `{ detail: <reason phrase> }`. */
  body?: unknown;
  /** Latency added before answering (normal and status modes). */
  delayMs?: number;
  /** Misbehave for this many requests, then answer normally again. Default: until the next behave(). */
  times?: number;
  /** Misbehave on `GET /v1/ping/` too (the client's constructor ping). Default false. */
  includePing?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Without the query string. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
  headers: http.IncomingHttpHeaders;
}

export interface StoredMem0Memory {
  id: string;
  memory: string;
  user_id: string | null;
  agent_id: string | null;
  app_id: string | null;
  run_id: string | null;
  metadata: Record<string, unknown>;
  categories: string[];
  created_at: string;
  updated_at: string;
}

interface HistoryEntry {
  id: string;
  memory_id: string;
  old_memory: string | null;
  new_memory: string | null;
  event: 'ADD' | 'UPDATE' | 'DELETE';
  user_id: string | null;
  input: unknown[];
  categories: string[];
  created_at: string;
  updated_at: string;
}

const ENTITY_KEYS = ['user_id', 'agent_id', 'app_id', 'run_id'] as const;
type EntityKey = (typeof ENTITY_KEYS)[number];
const CAMEL_ENTITY_KEYS = ['userId', 'agentId', 'appId', 'runId'];
const MAX_PAGE_SIZE = 200;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startMem0Server(options: { apiKey?: string } = {}): Promise<Mem0LoopbackServer> {
  const server = new Mem0LoopbackServer(options.apiKey ?? `m0-loopback-${randomUUID()}`);
  await server.listen();
  return server;
}

export class Mem0LoopbackServer {
  readonly requests: RecordedRequest[] = [];
  private readonly server = http.createServer((request, response) => void this.handle(request, response));
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly memories = new Map<string, StoredMem0Memory>();
  private readonly history = new Map<string, HistoryEntry[]>();
  private readonly events = new Map<string, Record<string, unknown>>();
  private behaviour: Mem0Behaviour = { mode: 'normal' };
  private remaining: number | undefined;
  private address?: AddressInfo;

  constructor(readonly apiKey: string) {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get url(): string {
    if (!this.address) throw new Error('the Mem0 loopback server is not listening');
    return `http://127.0.0.1:${this.address.port}`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.address = this.server.address() as AddressInfo;
  }

  behave(behaviour: Mem0Behaviour): void {
    this.behaviour = behaviour;
    this.remaining = behaviour.times;
  }

  /** Stores a memory directly, e.g. with a chosen creation time. */
  seed(memory: {
    userId: string;
    memory: string;
    metadata?: Record<string, unknown>;
    createdAt?: string;
  }): StoredMem0Memory {
    return this.store(
      { user_id: memory.userId, agent_id: null, app_id: null, run_id: null },
      memory.memory,
      memory.metadata ?? {},
      [],
      memory.createdAt,
    );
  }

  /** Everything stored for one user, in insertion order. */
  memoriesOf(userId: string): StoredMem0Memory[] {
    return [...this.memories.values()].filter((memory) => memory.user_id === userId);
  }

  /** Stops listening and drops every connection, hung ones included, so a test process can exit. */
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
    let body: unknown;
    try {
      body = await readJson(request);
    } catch {
      this.requests.push({
        method: request.method ?? '',
        path: url.pathname,
        query: {},
        body: undefined,
        headers: request.headers,
      });
      send(response, 400, { detail: 'JSON parse error' });
      return;
    }
    const recorded: RecordedRequest = {
      method: request.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      headers: request.headers,
    };
    this.requests.push(recorded);

    const fault = this.faultFor(recorded.path);
    if (fault?.delayMs) await this.sleep(fault.delayMs);
    if (fault?.mode === 'hang') return;
    if (fault?.mode === 'reset') {
      request.socket.destroy();
      return;
    }
    if (fault?.mode === 'status') {
      const status = fault.status ?? 500;
      send(response, status, fault.body ?? { detail: http.STATUS_CODES[status] ?? 'error' });
      return;
    }

    try {
      if (request.headers.authorization !== `Token ${this.apiKey}`) throw new HttpError(401, 'Invalid API key.');
      const { status, payload } = this.route(recorded, url);
      send(response, status, payload);
    } catch (error) {
      if (error instanceof HttpError) send(response, error.status, { detail: error.message });
      else send(response, 500, { detail: String(error) });
    }
  }

  private faultFor(path: string): Mem0Behaviour | undefined {
    const behaviour = this.behaviour;
    if (behaviour.mode === 'normal' && !behaviour.delayMs) return undefined;
    if (path === '/v1/ping/' && !behaviour.includePing) return undefined;
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

  private route(request: RecordedRequest, url: URL): { status: number; payload: unknown } {
    const { method, path } = request;
    const ok = (payload: unknown) => ({ status: 200, payload });
    if (path === '/v1/ping/' && method === 'GET') {
      return ok({
        status: 'ok',
        org_id: 'org-loopback',
        project_id: 'project-loopback',
        user_email: 'loopback@example.test',
      });
    }
    if (path === '/v3/memories/add/' && method === 'POST') return ok(this.add(request.body));
    if (path === '/v3/memories/' && method === 'POST') return ok(this.list(request.body, request.query, url));
    if (path === '/v3/memories/search/' && method === 'POST') return ok(this.search(request.body));
    if (path === '/v1/memories/' && method === 'DELETE') return ok(this.deleteAll(request.query));
    if (path === '/v1/entities/' && method === 'GET') return ok(this.entities(request.query, url));

    const event = /^\/v1\/event\/([^/]+)\/$/.exec(path);
    if (event && method === 'GET') return ok(this.events.get(event[1]) ?? notFound('Event not found.'));

    const history = /^\/v1\/memories\/([^/]+)\/history\/$/.exec(path);
    if (history && method === 'GET') return ok(this.history.get(this.existing(history[1]).id) ?? []);

    const one = /^\/v1\/memories\/([^/]+)\/$/.exec(path);
    if (one && method === 'GET') return ok(this.existing(one[1]));
    if (one && method === 'PUT') return ok(this.update(one[1], request.body));
    if (one && method === 'DELETE') {
      const memory = this.existing(one[1]);
      this.remove(memory);
      return ok({ message: 'Memory deleted successfully!' });
    }
    throw new HttpError(
      one || event || history ? 405 : 404,
      one || event || history ? 'Method not allowed.' : 'Not found.',
    );
  }

  private add(body: unknown): Record<string, unknown> {
    const payload = asObject(body, 'body');
    const messages = payload.messages;
    if (!Array.isArray(messages) || messages.length === 0)
      throw new HttpError(400, 'messages must be a non-empty list');
    for (const message of messages) {
      const m = asObject(message, 'message');
      if ((m.role !== 'user' && m.role !== 'assistant') || typeof m.content !== 'string') {
        throw new HttpError(400, 'each message needs a role (user|assistant) and a string content');
      }
    }
    const rejected = CAMEL_ENTITY_KEYS.filter((key) => key in payload);
    if (rejected.length > 0) throw new HttpError(400, `Unknown fields: ${rejected.join(', ')}`);
    const entities = entitiesOf(payload);
    if (ENTITY_KEYS.every((key) => entities[key] === null)) {
      throw new HttpError(400, 'At least one of user_id, agent_id, app_id or run_id is required');
    }
    const metadata =
      payload.metadata === undefined || payload.metadata === null ? {} : asObject(payload.metadata, 'metadata');
    const infer = payload.infer !== false;

    // Without inference every message is kept as it is; with it, the caller's messages stand in
    // for the facts the platform's LLM would extract.
    const texts = (messages as Array<{ role: string; content: string }>)
      .filter((message) => !infer || message.role === 'user')
      .map((message) => message.content.trim())
      .filter((text) => text !== '');
    // `timestamp` (unix seconds) dates the memory, as the platform does.
    const createdAt =
      typeof payload.timestamp === 'number' ? new Date(payload.timestamp * 1000).toISOString() : undefined;
    const stored = texts.map((text) => this.store(entities, text, metadata, messages, createdAt));

    const eventId = randomUUID();
    const now = new Date().toISOString();
    this.events.set(eventId, {
      id: eventId,
      event_type: 'ADD',
      status: 'SUCCEEDED',
      payload: body,
      results: stored.map((memory) => ({
        id: memory.id,
        event: 'ADD',
        user_id: memory.user_id,
        data: { memory: memory.memory },
      })),
      created_at: now,
      updated_at: now,
      latency: 0,
    });
    return {
      message: 'Memory processing has been queued for background execution',
      status: 'PENDING',
      event_id: eventId,
    };
  }

  private list(body: unknown, query: Record<string, string>, url: URL): Record<string, unknown> {
    const filters = filtersOf(body);
    const page = positiveInteger(query.page ?? '1', 'page');
    const pageSize = positiveInteger(query.page_size ?? '100', 'page_size');
    if (pageSize > MAX_PAGE_SIZE) throw new HttpError(400, `page_size must be at most ${MAX_PAGE_SIZE}`);
    const matching = newestFirst([...this.memories.values()].filter((memory) => matches(memory, filters)));
    const start = (page - 1) * pageSize;
    const pageUrl = (n: number) => {
      const next = new URL(url.pathname, this.url);
      next.searchParams.set('page', String(n));
      next.searchParams.set('page_size', String(pageSize));
      return next.toString();
    };
    return {
      count: matching.length,
      next: start + pageSize < matching.length ? pageUrl(page + 1) : null,
      previous: page > 1 ? pageUrl(page - 1) : null,
      results: matching.slice(start, start + pageSize),
    };
  }

  private search(body: unknown): Record<string, unknown> {
    const payload = asObject(body, 'body');
    if (typeof payload.query !== 'string' || payload.query.trim() === '') throw new HttpError(400, 'query is required');
    const filters = filtersOf(payload);
    const topK = payload.top_k === undefined ? 10 : payload.top_k;
    if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1)
      throw new HttpError(400, 'top_k must be a positive integer');
    const threshold = typeof payload.threshold === 'number' ? payload.threshold : 0;

    const candidates = [...this.memories.values()].filter((memory) => matches(memory, filters));
    const ranked = new KeywordIndex(candidates).search(payload.query, topK);
    return {
      results: ranked
        .filter(({ score }) => score >= threshold)
        .map(({ id, score }) => ({ ...(this.memories.get(id) as StoredMem0Memory), score })),
    };
  }

  private deleteAll(query: Record<string, string>): Record<string, unknown> {
    const entities = entitiesOf(query);
    const given = ENTITY_KEYS.filter((key) => entities[key] !== null);
    if (given.length === 0) throw new HttpError(400, 'At least one of user_id, agent_id, app_id or run_id is required');
    const doomed = [...this.memories.values()].filter((memory) => given.every((key) => memory[key] === entities[key]));
    // The platform may answer 404 when there is nothing to delete; stores must treat that as done.
    if (doomed.length === 0) throw new HttpError(404, 'No memories found to delete.');
    for (const memory of doomed) this.remove(memory);
    return { message: 'Memories deleted successfully!' };
  }

  /** Every user and agent that has memories, paginated like the memory list. */
  private entities(query: Record<string, string>, url: URL): Record<string, unknown> {
    const page = positiveInteger(query.page ?? '1', 'page');
    const pageSize = positiveInteger(query.page_size ?? '100', 'page_size');
    const byEntity = new Map<string, { type: string; name: string; memories: StoredMem0Memory[] }>();
    for (const memory of this.memories.values()) {
      for (const [type, name] of [
        ['user', memory.user_id],
        ['agent', memory.agent_id],
      ] as const) {
        if (name === null) continue;
        const entry = byEntity.get(`${type}:${name}`) ?? { type, name, memories: [] };
        entry.memories.push(memory);
        byEntity.set(`${type}:${name}`, entry);
      }
    }
    const all = [...byEntity.values()].map(({ type, name, memories }) => ({
      id: `${type}-${name}`,
      name,
      type,
      total_memories: memories.length,
      owner: 'loopback@example.test',
      organization: 'org-loopback',
      metadata: null,
      created_at: memories[0].created_at,
      updated_at: memories[memories.length - 1].updated_at,
    }));
    const start = (page - 1) * pageSize;
    const next = new URL(url.pathname, this.url);
    next.searchParams.set('page', String(page + 1));
    next.searchParams.set('page_size', String(pageSize));
    return {
      count: all.length,
      next: start + pageSize < all.length ? next.toString() : null,
      previous: null,
      results: all.slice(start, start + pageSize),
    };
  }

  private update(id: string, body: unknown): StoredMem0Memory {
    const memory = this.existing(id);
    const payload = asObject(body, 'body');
    if (payload.text === undefined && payload.metadata === undefined)
      throw new HttpError(400, 'text or metadata is required');
    const old = memory.memory;
    if (typeof payload.text === 'string') memory.memory = payload.text;
    if (payload.metadata !== undefined) memory.metadata = asObject(payload.metadata, 'metadata');
    memory.updated_at = new Date().toISOString();
    this.recordHistory(memory, 'UPDATE', old, memory.memory, []);
    return memory;
  }

  private store(
    entities: Record<EntityKey, string | null>,
    text: string,
    metadata: Record<string, unknown>,
    input: unknown[],
    createdAt = new Date().toISOString(),
  ): StoredMem0Memory {
    const memory: StoredMem0Memory = {
      id: randomUUID(),
      memory: text,
      ...entities,
      metadata: { ...metadata },
      categories: [],
      created_at: createdAt,
      updated_at: createdAt,
    };
    this.memories.set(memory.id, memory);
    this.recordHistory(memory, 'ADD', null, text, input);
    return memory;
  }

  private remove(memory: StoredMem0Memory): void {
    this.memories.delete(memory.id);
    this.recordHistory(memory, 'DELETE', memory.memory, null, []);
  }

  private recordHistory(
    memory: StoredMem0Memory,
    event: HistoryEntry['event'],
    oldMemory: string | null,
    newMemory: string | null,
    input: unknown[],
  ): void {
    const now = new Date().toISOString();
    const entries = this.history.get(memory.id) ?? [];
    entries.push({
      id: randomUUID(),
      memory_id: memory.id,
      old_memory: oldMemory,
      new_memory: newMemory,
      event,
      user_id: memory.user_id,
      input,
      categories: memory.categories,
      created_at: now,
      updated_at: now,
    });
    this.history.set(memory.id, entries);
  }

  private existing(id: string): StoredMem0Memory {
    return this.memories.get(decodeURIComponent(id)) ?? notFound('Memory not found.');
  }
}

// ---- filters -------------------------------------------------------------------------------------

type Filters = Record<string, unknown>;

/** `filters` is required on list and search, and must name an entity somewhere. */
function filtersOf(body: unknown): Filters {
  const payload = asObject(body ?? {}, 'body');
  if (payload.filters === undefined) throw new HttpError(400, 'filters is required');
  const filters = asObject(payload.filters, 'filters');
  validateFilters(filters);
  if (!namesEntity(filters))
    throw new HttpError(400, 'filters must include one of user_id, agent_id, app_id or run_id');
  return filters;
}

function validateFilters(filters: Filters): void {
  for (const [key, value] of Object.entries(filters)) {
    if (key === 'AND' || key === 'OR' || key === 'NOT') {
      if (!Array.isArray(value) || value.length === 0) throw new HttpError(400, `${key} must be a non-empty list`);
      for (const clause of value) validateFilters(asObject(clause, key));
    } else if ((ENTITY_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'string' || value === '') throw new HttpError(400, `${key} must be a non-empty string`);
    } else if (key === 'metadata') {
      asObject(value, 'metadata');
    } else if (CAMEL_ENTITY_KEYS.includes(key)) {
      throw new HttpError(
        400,
        `Invalid filter key '${key}': entity ids are snake_case (user_id, agent_id, app_id, run_id)`,
      );
    } else {
      throw new HttpError(400, `Invalid filter key '${key}'`);
    }
  }
}

function namesEntity(filters: Filters): boolean {
  return Object.entries(filters).some(([key, value]) =>
    key === 'AND' || key === 'OR'
      ? (value as Filters[]).some(namesEntity)
      : (ENTITY_KEYS as readonly string[]).includes(key),
  );
}

function matches(memory: StoredMem0Memory, filters: Filters): boolean {
  return Object.entries(filters).every(([key, value]) => {
    if (key === 'AND') return (value as Filters[]).every((clause) => matches(memory, clause));
    if (key === 'OR') return (value as Filters[]).some((clause) => matches(memory, clause));
    if (key === 'NOT') return !(value as Filters[]).some((clause) => matches(memory, clause));
    if (key === 'metadata') {
      return Object.entries(value as Filters).every(([name, wanted]) => memory.metadata[name] === wanted);
    }
    return memory[key as EntityKey] === value;
  });
}

// ---- helpers ---------------------------------------------------------------------------------------

function entitiesOf(source: Record<string, unknown>): Record<EntityKey, string | null> {
  const entity = (key: EntityKey) =>
    typeof source[key] === 'string' && source[key] !== '' ? (source[key] as string) : null;
  return {
    user_id: entity('user_id'),
    agent_id: entity('agent_id'),
    app_id: entity('app_id'),
    run_id: entity('run_id'),
  };
}

function newestFirst(memories: StoredMem0Memory[]): StoredMem0Memory[] {
  // Insertion order breaks ties: later first.
  return memories
    .map((memory, order) => ({ memory, order }))
    .sort((a, b) => b.memory.created_at.localeCompare(a.memory.created_at) || b.order - a.order)
    .map(({ memory }) => memory);
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new HttpError(400, `${what} must be an object`);
  return value as Record<string, unknown>;
}

function positiveInteger(value: string, what: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new HttpError(400, `${what} must be a positive integer`);
  return number;
}

function notFound(message: string): never {
  throw new HttpError(404, message);
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
