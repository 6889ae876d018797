import { parseCallerId, type CallerId } from '../../../../lambdas/shared/caller';
import { DeadlineExceededError, withDeadline } from '../../../../lambdas/shared/deadline';
import { Mem0MemoryStore, mem0Client } from '../../../../lambdas/shared/memory/mem0-store';
import { MemoryStoreError, type MemoryMetadata } from '../../../../lambdas/shared/memory/memory-store';
import { startMem0Server, type Mem0LoopbackServer, type RecordedRequest } from '../../../support/mem0-server';

function callerId(raw: string): CallerId {
  const result = parseCallerId(raw);
  if (!result.ok) throw new Error(result.problem);
  return result.callerId;
}

const alice = callerId('+14155550100');
const bob = callerId('+14155550199');
const factual: MemoryMetadata = { type: 'factual', conversation_id: 'conv-1' };
const semantic: MemoryMetadata = { type: 'semantic', conversation_id: 'conv-1' };

let server: Mem0LoopbackServer;
let store: Mem0MemoryStore;

beforeEach(async () => {
  server = await startMem0Server();
  store = new Mem0MemoryStore(async () => mem0Client(server.apiKey, server.url));
});

afterEach(async () => {
  await server.close();
});

/** What the store sent, without the client's constructor ping. */
function memoryRequests(): RecordedRequest[] {
  return server.requests.filter((request) => request.path !== '/v1/ping/');
}

async function failureOf(work: Promise<unknown>): Promise<MemoryStoreError> {
  const error = await work.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(MemoryStoreError);
  return error as MemoryStoreError;
}

describe('mem0Client', () => {
  it('builds one client per API key and host, so the constructor ping happens once per process', async () => {
    // The rotated key's ping is refused, and mem0ai logs that.
    const silenced = [
      jest.spyOn(console, 'error').mockImplementation(),
      jest.spyOn(console, 'warn').mockImplementation(),
    ];
    const first = mem0Client(server.apiKey, server.url);
    expect(mem0Client(server.apiKey, server.url)).toBe(first);
    expect(mem0Client(`${server.apiKey}-rotated`, server.url)).not.toBe(first);

    await store.list(alice, { type: 'factual', limit: 5 });
    await store.search(alice, 'anything', { limit: 5 });
    const pings = server.requests.filter(
      (r) => r.path === '/v1/ping/' && r.headers.authorization === `Token ${server.apiKey}`,
    );
    expect(pings).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    silenced.forEach((spy) => spy.mockRestore());
  });
});

describe('Mem0MemoryStore.add', () => {
  it('stores a text as it is (infer: false) under the caller, metadata untouched', async () => {
    await store.add(alice, { kind: 'text', text: 'Call summary: asked about the June invoice.', metadata: factual });

    const [request] = memoryRequests();
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v3/memories/add/');
    expect(request.body).toEqual({
      messages: [{ role: 'user', content: 'Call summary: asked about the June invoice.' }],
      user_id: alice,
      metadata: factual,
      infer: false,
    });
    expect(server.memoriesOf(alice).map((m) => m.memory)).toEqual(['Call summary: asked about the June invoice.']);
  });

  it('sends a conversation for extraction (infer: true), every turn with its role', async () => {
    const turns = [
      { role: 'assistant' as const, content: 'Hello, how can I help?' },
      { role: 'user' as const, content: 'My daughter Emma starts school in September.' },
      { role: 'assistant' as const, content: '   ' },
    ];
    await store.add(alice, { kind: 'conversation', turns, metadata: semantic });

    const [request] = memoryRequests();
    expect(request.body).toEqual({
      messages: turns.slice(0, 2),
      user_id: alice,
      metadata: semantic,
      infer: true,
    });
    const page = await store.list(alice, { type: 'semantic', limit: 10 });
    expect(page.memories.map((m) => m.memory)).toEqual(['My daughter Emma starts school in September.']);
  });

  it("treats the platform's asynchronous acceptance ({event_id, status: PENDING}) as success", async () => {
    await expect(
      store.add(alice, { kind: 'text', text: 'Prefers email.', metadata: factual }),
    ).resolves.toBeUndefined();
    expect(server.memoriesOf(alice)).toHaveLength(1);
  });
});

describe('Mem0MemoryStore.list', () => {
  it('asks with snake_case entity and metadata filters inside `filters`, never a top-level userId', async () => {
    await store.list(alice, { type: 'factual', limit: 5 });

    const [request] = memoryRequests();
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v3/memories/');
    expect(request.query).toEqual({ page: '1', page_size: '5' });
    expect(request.body).toEqual({ filters: { AND: [{ user_id: alice }, { metadata: { type: 'factual' } }] } });
  });

  it("returns the caller's memories of that type only, newest first, with the total", async () => {
    server.seed({ userId: alice, memory: 'oldest', metadata: factual, createdAt: '2026-01-01T10:00:00.000Z' });
    server.seed({ userId: alice, memory: 'newest', metadata: factual, createdAt: '2026-03-01T10:00:00.000Z' });
    server.seed({ userId: alice, memory: 'middle', metadata: factual, createdAt: '2026-02-01T10:00:00.000Z' });
    server.seed({ userId: alice, memory: 'a profile', metadata: { type: 'profile' } });
    server.seed({ userId: bob, memory: 'bob fact', metadata: factual });

    const page = await store.list(alice, { type: 'factual', limit: 2 });

    expect(page.memories.map((m) => m.memory)).toEqual(['newest', 'middle']);
    expect(page.total).toBe(3);
    expect(page.memories[0]).toEqual({
      id: expect.any(String),
      memory: 'newest',
      metadata: factual,
      createdAt: '2026-03-01T10:00:00.000Z',
    });
  });

  it('sorts newest first even when the platform answers in another order', async () => {
    server.behave({
      mode: 'status',
      status: 200,
      times: 1,
      body: {
        count: 2,
        next: null,
        previous: null,
        results: [
          { id: 'm1', memory: 'older', user_id: alice, metadata: factual, created_at: '2026-01-01T00:00:00Z' },
          { id: 'm2', memory: 'newer', user_id: alice, metadata: factual, created_at: '2026-02-01T00:00:00Z' },
        ],
      },
    });

    const page = await store.list(alice, { type: 'factual', limit: 10 });

    expect(page.memories.map((m) => m.memory)).toEqual(['newer', 'older']);
  });

  it('drops a memory of another caller even if the platform returns one, and does not count it', async () => {
    // A leak here would put Bob's name and facts into Alice's pre-call, and make a stranger a returning caller.
    server.behave({
      mode: 'status',
      status: 200,
      times: 1,
      body: {
        count: 3,
        next: null,
        previous: null,
        results: [
          { id: 'b1', memory: 'Bob Carter, account 7731', user_id: bob, metadata: factual },
          { id: 'a1', memory: 'alice fact', user_id: alice, metadata: factual },
          { id: 'a2', memory: 'alice other', user_id: alice, metadata: factual },
        ],
      },
    });

    const page = await store.list(alice, { type: 'factual', limit: 10 });

    expect(page.memories.map((m) => m.memory).sort()).toEqual(['alice fact', 'alice other']);
    expect(page.total).toBe(2);
  });

  it('counts nothing for a caller whose only answer belongs to someone else', async () => {
    server.behave({
      mode: 'status',
      status: 200,
      times: 1,
      body: {
        count: 1,
        next: null,
        previous: null,
        results: [{ id: 'b1', memory: 'bob', user_id: bob, metadata: factual }],
      },
    });

    expect(await store.list(alice, { type: 'factual', limit: 10 })).toEqual({ memories: [], total: 0 });
  });

  it("keeps page_size within Mem0's limit of 200 and at least 1", async () => {
    for (let i = 0; i < 3; i++) server.seed({ userId: alice, memory: `fact ${i}`, metadata: factual });

    const big = await store.list(alice, { type: 'factual', limit: 1000 });
    const none = await store.list(alice, { type: 'factual', limit: 0 });

    expect(memoryRequests().map((r) => r.query.page_size)).toEqual(['200', '1']);
    expect(big.memories).toHaveLength(3);
    expect(none).toEqual({ memories: [], total: 3 });
  });
});

describe('Mem0MemoryStore.search', () => {
  beforeEach(() => {
    server.seed({ userId: alice, memory: 'Her sister Margaret lives in Leeds', metadata: semantic });
    server.seed({ userId: alice, memory: 'Asked about the invoice for June', metadata: factual });
    server.seed({ userId: bob, memory: 'Margaret Leeds Margaret Leeds sister', metadata: semantic });
  });

  it("searches the caller's memories only, with the caller id inside snake_case filters", async () => {
    const results = await store.search(alice, 'sister Margaret in Leeds', { limit: 3 });

    const [request] = memoryRequests();
    expect(request.path).toBe('/v3/memories/search/');
    expect(request.body).toMatchObject({ query: 'sister Margaret in Leeds', filters: { user_id: alice }, top_k: 3 });
    expect(request.body).not.toHaveProperty('user_id');
    expect(results.map((m) => m.memory)).toEqual(['Her sister Margaret lives in Leeds']);
    expect(results[0].score).toBeGreaterThan(0);
    expect(results[0].score).toBeLessThanOrEqual(1);
  });

  it('drops a memory of another caller even if the platform returns one, and clamps scores to [0, 1]', async () => {
    server.behave({
      mode: 'status',
      status: 200,
      times: 1,
      body: [
        { id: 'b1', memory: 'bob secret', user_id: bob, metadata: semantic, score: 0.99 },
        { id: 'a1', memory: 'alice fact', user_id: alice, metadata: semantic, score: 1.7 },
        { id: 'a2', memory: 'alice other', user_id: alice, metadata: semantic, score: -0.2 },
      ],
    });

    const results = await store.search(alice, 'secret', { limit: 5 });

    expect(results.map((m) => [m.memory, m.score])).toEqual([
      ['alice fact', 1],
      ['alice other', 0],
    ]);
  });

  it('does not call Mem0 for an empty query', async () => {
    await expect(store.search(alice, '   ', { limit: 5 })).resolves.toEqual([]);
    expect(memoryRequests()).toHaveLength(0);
  });
});

describe('Mem0MemoryStore.deleteCaller', () => {
  it("erases every memory of the caller and no one else's", async () => {
    server.seed({ userId: alice, memory: 'one', metadata: factual });
    server.seed({ userId: alice, memory: 'two', metadata: semantic });
    server.seed({ userId: bob, memory: 'bob', metadata: factual });

    await store.deleteCaller(alice);

    const [request] = memoryRequests();
    expect(request.method).toBe('DELETE');
    expect(request.path).toBe('/v1/memories/');
    expect(request.query).toEqual({ user_id: alice });
    expect(server.memoriesOf(alice)).toEqual([]);
    expect(server.memoriesOf(bob)).toHaveLength(1);
  });

  it('succeeds when there is nothing to delete (404)', async () => {
    await expect(store.deleteCaller(alice)).resolves.toBeUndefined();
    expect(memoryRequests()).toHaveLength(1);
  });
});

describe('Mem0MemoryStore errors', () => {
  let silenced: jest.SpyInstance[];
  beforeAll(() => {
    // mem0ai logs its own failed constructor ping and telemetry bookkeeping to the console.
    silenced = [jest.spyOn(console, 'error').mockImplementation(), jest.spyOn(console, 'warn').mockImplementation()];
  });
  afterAll(() => silenced.forEach((spy) => spy.mockRestore()));

  it.each([429, 500, 502, 503])('answer %i is retryable', async (status) => {
    server.behave({ mode: 'status', status });

    const error = await failureOf(store.search(alice, 'invoice', { limit: 3 }));

    expect(error.retryable).toBe(true);
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('a rejected API key (401) is not retryable', async () => {
    const wrongKey = new Mem0MemoryStore(async () => mem0Client('m0-wrong-key', server.url));

    const error = await failureOf(wrongKey.list(alice, { type: 'factual', limit: 3 }));

    expect(error.retryable).toBe(false);
    expect((error.cause as Error).name).toBe('AuthenticationError');
  });

  it('a rejected request (400) is not retryable, and the message never carries the API key', async () => {
    server.behave({ mode: 'status', status: 400, body: { detail: `bad request from Token ${server.apiKey}` } });

    const error = await failureOf(store.add(alice, { kind: 'text', text: 'x y z', metadata: factual }));

    expect(error.retryable).toBe(false);
    expect(error.message).toContain('ValidationError');
    expect(error.message).not.toContain(server.apiKey);
  });

  it('a reset connection is retryable', async () => {
    server.behave({ mode: 'reset' });

    const error = await failureOf(store.add(alice, { kind: 'text', text: 'x y z', metadata: factual }));

    expect(error.retryable).toBe(true);
  });

  it('a refused connection is retryable', async () => {
    const gone = await startMem0Server();
    const url = gone.url;
    await gone.close();
    const unreachable = new Mem0MemoryStore(async () => mem0Client(gone.apiKey, url));

    const error = await failureOf(unreachable.search(alice, 'invoice', { limit: 3 }));

    expect(error.retryable).toBe(true);
    expect(error.message).toContain('fetch failed');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('a client that cannot be built (no API key yet) surfaces as a MemoryStoreError', async () => {
    const noKey = new Mem0MemoryStore(async () => {
      throw new Error('secret MEM0_API_KEY_SECRET_ID has no value yet');
    });

    const error = await failureOf(noKey.list(alice, { type: 'factual', limit: 1 }));

    expect(error.message).toContain('has no value yet');
  });

  it("a hung platform is cut off by the caller's deadline", async () => {
    server.behave({ mode: 'hang' });

    const started = Date.now();
    await expect(
      withDeadline(store.search(alice, 'invoice', { limit: 3 }), 200, 'memory search'),
    ).rejects.toBeInstanceOf(DeadlineExceededError);

    expect(Date.now() - started).toBeLessThan(5000);
    expect(memoryRequests().map((r) => r.path)).toEqual(['/v3/memories/search/']);
  });

  it('a slow answer within the deadline still succeeds; a transient failure passes', async () => {
    server.seed({ userId: alice, memory: 'Asked about the invoice for June', metadata: factual });
    server.behave({ mode: 'status', status: 503, times: 1 });
    expect((await failureOf(store.search(alice, 'invoice', { limit: 3 }))).retryable).toBe(true);

    server.behave({ mode: 'normal', delayMs: 100 });
    const results = await withDeadline(store.search(alice, 'invoice', { limit: 3 }), 5000, 'memory search');

    expect(results.map((m) => m.memory)).toEqual(['Asked about the invoice for June']);
  });
});

describe('Mem0MemoryStore admin: listAll, deleteMemory, callerIds', () => {
  it("lists every memory of the caller across pages, newest first, with creation times, and nobody else's", async () => {
    for (let i = 0; i < 205; i++) {
      server.seed({
        userId: alice,
        memory: `fact ${i}`,
        metadata: { type: i % 2 === 0 ? 'factual' : 'semantic' },
        createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
      });
    }
    server.seed({ userId: bob, memory: 'bob', metadata: factual });

    const all = await store.listAll(alice);

    expect(all).toHaveLength(205);
    expect(all[0]).toMatchObject({
      memory: 'fact 204',
      metadata: { type: 'factual' },
      createdAt: '2026-01-01T03:24:00.000Z',
    });
    expect(all[204].memory).toBe('fact 0');
    const pages = memoryRequests().filter((request) => request.path === '/v3/memories/');
    expect(pages.map((request) => request.query)).toEqual([
      { page: '1', page_size: '200' },
      { page: '2', page_size: '200' },
    ]);
    expect(pages[0].body).toEqual({ filters: { user_id: alice } });
  });

  it('drops a memory of another caller from the full listing even if the platform returns one', async () => {
    server.behave({
      mode: 'status',
      status: 200,
      times: 1,
      body: {
        count: 2,
        next: null,
        previous: null,
        results: [
          { id: 'b1', memory: 'bob secret', user_id: bob, metadata: factual },
          { id: 'a1', memory: 'alice fact', user_id: alice, metadata: factual },
        ],
      },
    });

    expect((await store.listAll(alice)).map((m) => m.memory)).toEqual(['alice fact']);
  });

  it('deletes one memory by id, after reading it to check its owner; a missing one counts as deleted', async () => {
    const kept = server.seed({ userId: alice, memory: 'kept', metadata: factual });
    const doomed = server.seed({ userId: alice, memory: 'doomed', metadata: factual });

    await store.deleteMemory(alice, doomed.id);
    await expect(store.deleteMemory(alice, doomed.id)).resolves.toBeUndefined();

    expect(server.memoriesOf(alice).map((memory) => memory.id)).toEqual([kept.id]);
    expect(memoryRequests().map((request) => `${request.method} ${request.path}`)).toEqual([
      `GET /v1/memories/${doomed.id}/`,
      `DELETE /v1/memories/${doomed.id}/`,
      `GET /v1/memories/${doomed.id}/`,
    ]);
  });

  it("never deletes another identity's memory given its id (Mem0 itself deletes by id alone)", async () => {
    const bobs = server.seed({ userId: bob, memory: 'bob fact', metadata: factual });
    await store.deleteMemory(alice, bobs.id);
    expect(server.memoriesOf(bob).map((memory) => memory.id)).toEqual([bobs.id]);
    expect(memoryRequests().filter((request) => request.method === 'DELETE')).toEqual([]);
  });

  it('enumerates callers through GET /v1/entities/, users only, ids as this project writes them', async () => {
    server.seed({ userId: alice, memory: 'a', metadata: factual });
    server.seed({ userId: bob, memory: 'b', metadata: factual });
    server.seed({ userId: 'not a caller id!', memory: 'c', metadata: factual });

    expect((await store.callerIds()).sort()).toEqual([alice, bob].sort());
    expect(memoryRequests().map((request) => `${request.method} ${request.path}`)).toEqual(['GET /v1/entities/']);
  });

  it('reports a failed listing as a MemoryStoreError', async () => {
    server.behave({ mode: 'status', status: 401 });
    const error = await failureOf(store.listAll(alice));
    expect(error.retryable).toBe(false);
  });
});
