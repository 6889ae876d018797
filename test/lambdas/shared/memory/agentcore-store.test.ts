import { CreateEventCommand } from '@aws-sdk/client-bedrock-agentcore';
import { AGENTCORE_STRATEGIES, actorIdOf, actorNamespace } from '../../../../lambdas/shared/memory/agentcore-ids';
import { createAgentCoreClient } from '../../../../lambdas/shared/memory/agentcore-client';
import { toAgentCoreStoreError } from '../../../../lambdas/shared/memory/agentcore-errors';
import { AgentCoreMemoryStore } from '../../../../lambdas/shared/memory/agentcore-store';
import { MemoryStoreError, type MemoryMetadata } from '../../../../lambdas/shared/memory/memory-store';
import { startAgentCoreServer, type AgentCoreLoopbackServer } from '../../../support/agentcore-server';
import { identity } from './memory-store-contract';

const alice = identity('+14155550100');
const bob = identity('+14155550199');
const aliceActor = actorIdOf(alice);
const callAt = '2026-03-02T09:30:00.000Z';
const semantic: MemoryMetadata = {
  type: 'semantic',
  conversation_id: 'conv_1',
  agent_id: 'agent_a',
  timestamp: callAt,
};
const factual: MemoryMetadata = { type: 'factual', conversation_id: 'conv_1', agent_id: 'agent_a', timestamp: callAt };

const STRATEGIES = AGENTCORE_STRATEGIES.map((strategy) => ({
  strategyId: `${strategy.name}-0123456789`,
  type: strategy.type,
  namespace: strategy.namespaces[0],
}));

let server: AgentCoreLoopbackServer;
let store: AgentCoreMemoryStore;

async function start(options: { extractionLagMs?: number; strategies?: typeof STRATEGIES; timeoutMs?: number } = {}) {
  server = await startAgentCoreServer({
    extractionLagMs: options.extractionLagMs ?? 0,
    strategies: options.strategies ?? STRATEGIES,
  });
  store = new AgentCoreMemoryStore({
    client: createAgentCoreClient({
      endpoint: server.url,
      credentials: { accessKeyId: 'AKIDLOOPBACK', secretAccessKey: 'loopback-secret' },
    }),
    memoryId: server.memoryId,
    requestTimeoutMs: options.timeoutMs ?? 3000,
  });
}

afterEach(async () => {
  await server?.close();
});

async function failureOf(work: Promise<unknown>): Promise<MemoryStoreError> {
  const error = await work.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(MemoryStoreError);
  return error as MemoryStoreError;
}

const sent = (operation: string) => server.requests.filter((r) => r.operation === operation);

describe('add: a conversation', () => {
  beforeEach(() => start({ strategies: [] }));

  it('becomes conversational events of the caller in the conversation’s session, roles mapped, dated by the call', async () => {
    await store.add(alice, {
      kind: 'conversation',
      turns: [
        { role: 'assistant', content: 'Hello, how can I help?' },
        { role: 'user', content: 'I need to move my appointment.' },
        { role: 'assistant', content: '  ' },
      ],
      metadata: semantic,
    });
    const [create] = sent('CreateEvent');
    expect(create.path).toBe(`/memories/${server.memoryId}/events`);
    expect(create.body).toMatchObject({
      actorId: 'am-_p14155550100',
      sessionId: 'conv_1',
      eventTimestamp: Date.parse(callAt) / 1000,
      payload: [
        { conversational: { role: 'ASSISTANT', content: { text: 'Hello, how can I help?' } } },
        { conversational: { role: 'USER', content: { text: 'I need to move my appointment.' } } },
      ],
    });
    expect(create.body?.clientToken).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(create.body?.metadata as object)).toEqual(
      expect.arrayContaining(['am.type', 'am.digest', 'am.part', 'am.parts', 'am.meta.0']),
    );
    expect(String(create.headers.authorization)).toContain('Credential=AKIDLOOPBACK/');
    expect(server.eventsOf(aliceActor)).toHaveLength(1);
  });

  it('cuts a long transcript into events of at most 100 items and 100,000 characters, dropping nothing', async () => {
    const turns = Array.from({ length: 250 }, (_, i) => ({
      role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content: `Turn ${i}: ${'word '.repeat(5)}`,
    }));
    const monologue = `${'All of this matters. '.repeat(12_000)}The end.`; // 252,008 characters
    turns.push({ role: 'user', content: monologue });
    await store.add(alice, { kind: 'conversation', turns, metadata: semantic });

    const events = server.eventsOf(aliceActor);
    for (const event of events) {
      expect(event.payload.length).toBeLessThanOrEqual(100);
      const chars = event.payload.reduce((n, item) => n + (item.conversational?.content.text.length ?? 0), 0);
      expect(chars).toBeLessThanOrEqual(100_000);
    }
    const items = events.flatMap((event) => event.payload.map((item) => item.conversational));
    expect(items.slice(0, 250).map((item) => item?.content.text)).toEqual(turns.slice(0, 250).map((t) => t.content));
    expect(
      items
        .slice(250)
        .map((item) => item?.content.text)
        .join(''),
    ).toBe(monologue);
    expect(items.slice(250).every((item) => item?.role === 'USER')).toBe(true);
    expect(events.map((e) => e.metadata?.['am.part'].stringValue)).toEqual(events.map((_, i) => String(i + 1)));
    // In transcript order by timestamp too.
    const times = events.map((e) => e.eventTimestamp);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('written again (a redelivery) creates nothing new; a half-written one is completed, each part once', async () => {
    const turns = Array.from({ length: 150 }, (_, i) => ({ role: 'user' as const, content: `Sentence number ${i}.` }));
    server.behave({
      mode: 'status',
      status: 500,
      errorType: 'ServiceException',
      operations: ['CreateEvent'],
      after: 1,
    });
    const failed = await failureOf(store.add(alice, { kind: 'conversation', turns, metadata: semantic }));
    expect(failed.retryable).toBe(true);
    expect(server.eventsOf(aliceActor)).toHaveLength(1);
    // Incomplete: the ingest worker's check must not take it for stored.
    expect((await store.list(alice, { type: 'semantic', limit: 1, conversationId: 'conv_1' })).total).toBe(0);

    server.behave({ mode: 'normal' });
    await store.add(alice, { kind: 'conversation', turns, metadata: semantic });
    const requests = sent('CreateEvent').length;
    await store.add(alice, { kind: 'conversation', turns, metadata: semantic });
    // The parts already there are not sent again: no reliance on the service's token window.
    expect(sent('CreateEvent')).toHaveLength(requests);
    const parts = server.eventsOf(aliceActor).map((e) => e.metadata?.['am.part'].stringValue);
    expect(parts.sort()).toEqual(['1', '2']);
    expect((await store.list(alice, { type: 'semantic', limit: 1, conversationId: 'conv_1' })).total).toBe(2);
  });

  it('written twice at once creates each event once: the client token makes the duplicate a no-op', async () => {
    const memory = {
      kind: 'conversation' as const,
      turns: [{ role: 'user' as const, content: 'My new address is 12 Elm Street.' }],
      metadata: semantic,
    };
    await Promise.all([store.add(alice, memory), store.add(alice, memory)]);
    expect(sent('CreateEvent')).toHaveLength(2);
    expect(new Set(sent('CreateEvent').map((r) => r.body?.clientToken)).size).toBe(1);
    expect(server.eventsOf(aliceActor)).toHaveLength(1);
  });
});

describe('add: a text', () => {
  beforeEach(() => start({ strategies: [] }));

  it('becomes a record in the conversation’s namespace of its type, dated by the call, searchable at once', async () => {
    await store.add(alice, { kind: 'text', text: 'Asked to move the June appointment.', metadata: factual });
    const [create] = sent('BatchCreateMemoryRecords');
    const [record] = (create.body?.records as Array<Record<string, unknown>>) ?? [];
    expect(record).toMatchObject({
      namespaces: ['/agentic-memory/actors/am-_p14155550100/factual/conv_1/'],
      content: { text: 'Asked to move the June appointment.' },
      timestamp: Date.parse(callAt) / 1000,
    });
    expect(record.requestIdentifier).toMatch(/^[a-zA-Z0-9_-]{1,80}$/);
    expect(create.body?.clientToken).toMatch(/^[0-9a-f]{64}$/);
    const [found] = await store.search(alice, 'June appointment', { limit: 3 });
    expect(found).toMatchObject({ memory: 'Asked to move the June appointment.', metadata: factual });
  });

  it('longer than a record holds (16,000 characters) becomes parts, read back as one memory and erased as one', async () => {
    const text = `${'The caller explained the history of the account at length. '.repeat(400)}Done.`;
    await store.add(alice, { kind: 'text', text, metadata: factual });
    const stored = server.recordsUnder(actorNamespace(aliceActor));
    expect(stored).toHaveLength(2);
    expect(stored.every((r) => r.content.text.length <= 16_000)).toBe(true);

    const page = await store.list(alice, { type: 'factual', limit: 5 });
    expect(page.total).toBe(1);
    expect(page.memories[0].memory).toBe(text);
    await store.add(alice, { kind: 'text', text, metadata: factual });
    expect(server.recordsUnder(actorNamespace(aliceActor))).toHaveLength(2);
    expect(sent('BatchCreateMemoryRecords')).toHaveLength(1);

    await store.deleteMemory(alice, page.memories[0].id);
    expect(server.recordsUnder(actorNamespace(aliceActor))).toHaveLength(0);
  });

  it('refuses, permanently and writing nothing, metadata too large for AgentCore metadata', async () => {
    const profile = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`field_${i}`, 'x'.repeat(60)]));
    const error = await failureOf(
      store.add(alice, { kind: 'text', text: 'Caller profile.', metadata: { ...factual, type: 'profile', profile } }),
    );
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/metadata/);
    expect(sent('BatchCreateMemoryRecords')).toHaveLength(0);
  });

  it('reports records the service failed to create, retryable by their error code', async () => {
    server.behave({ mode: 'recordFailures', errorCode: 500, operations: ['BatchCreateMemoryRecords'] });
    const outage = await failureOf(store.add(alice, { kind: 'text', text: 'A summary.', metadata: factual }));
    expect(outage.retryable).toBe(true);
    expect(outage.message).toMatch(/BatchCreateMemoryRecords failed for 1 record/);
    server.behave({ mode: 'recordFailures', errorCode: 400, operations: ['BatchCreateMemoryRecords'] });
    const refused = await failureOf(store.add(alice, { kind: 'text', text: 'A summary.', metadata: factual }));
    expect(refused.retryable).toBe(false);
  });

  it('a record already gone when erasing counts as erased; another failure does not', async () => {
    await store.add(alice, { kind: 'text', text: 'A summary.', metadata: factual });
    server.behave({ mode: 'recordFailures', errorCode: 404, operations: ['BatchDeleteMemoryRecords'] });
    await expect(store.deleteCaller(alice)).resolves.toBeUndefined();
    server.behave({ mode: 'recordFailures', errorCode: 500, operations: ['BatchDeleteMemoryRecords'], times: 10 });
    expect((await failureOf(store.deleteCaller(alice))).retryable).toBe(true);
  });
});

describe('list', () => {
  it('while extraction lags, gives the latest call’s own caller turns; once extracted, the facts alone', async () => {
    await start({ extractionLagMs: 60_000 });
    await store.add(alice, {
      kind: 'conversation',
      turns: [
        { role: 'assistant', content: 'Welcome back.' },
        { role: 'user', content: 'We adopted a dog called Biscuit.' },
        { role: 'user', content: 'I prefer calls after five.' },
      ],
      metadata: semantic,
    });
    const lagging = await store.list(alice, { type: 'semantic', limit: 10 });
    expect(lagging.memories.map((m) => m.memory)).toEqual([
      'I prefer calls after five.',
      'We adopted a dog called Biscuit.',
    ]);
    expect(lagging.memories[0].metadata).toMatchObject({
      type: 'semantic',
      conversation_id: 'conv_1',
      source: 'events',
    });
    expect(lagging.total).toBe(2);

    server.extractionLagMs = 0;
    await store.add(alice, {
      kind: 'conversation',
      turns: [{ role: 'user', content: 'Also, my daughter is called Ada.' }],
      metadata: { ...semantic, conversation_id: 'conv_2', timestamp: '2026-03-03T09:30:00.000Z' },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const extracted = await store.list(alice, { type: 'semantic', limit: 10 });
    expect(extracted.memories.every((m) => m.metadata.source === undefined)).toBe(true);
    expect(extracted.memories.map((m) => m.memory)).toContain('Also, my daughter is called Ada.');
    expect(extracted.memories.map((m) => m.memory)).not.toContain('Welcome back.');
  });

  it('counts each call once: a strategy’s summary only for calls the adapter has no summary of', async () => {
    await start();
    await store.add(alice, { kind: 'text', text: 'ElevenLabs summary of call 1.', metadata: factual });
    server.seedRecord({
      namespace: `${actorNamespace(aliceActor)}factual/conv_1/`,
      text: 'Strategy summary of call 1.',
      strategyId: STRATEGIES[2].strategyId,
      createdAt: new Date('2026-03-02T09:40:00.000Z'),
    });
    server.seedRecord({
      namespace: `${actorNamespace(aliceActor)}factual/conv_2/`,
      text: 'Strategy summary of call 2.',
      strategyId: STRATEGIES[2].strategyId,
      createdAt: new Date('2026-03-05T09:40:00.000Z'),
    });
    const page = await store.list(alice, { type: 'factual', limit: 5 });
    expect(page.memories.map((m) => m.memory)).toEqual([
      'Strategy summary of call 2.',
      'ElevenLabs summary of call 1.',
    ]);
    expect(page.total).toBe(2);
    expect(page.memories[0].metadata).toEqual({ type: 'factual', conversation_id: 'conv_2' });
  });

  it('reads every page, newest first, whatever order the service answers in', async () => {
    await start({ strategies: [] });
    for (let day = 1; day <= 250; day++) {
      server.seedRecord({
        namespace: `${actorNamespace(aliceActor)}profile/conv_${day}/`,
        text: `Profile ${day}`,
        createdAt: new Date(Date.UTC(2026, 0, 1) + ((day * 7919) % 250) * 86_400_000),
      });
    }
    const page = await store.list(alice, { type: 'profile', limit: 3 });
    expect(page.total).toBe(250);
    expect(sent('ListMemoryRecords').length).toBe(3);
    const times = page.memories.map((m) => Date.parse(m.createdAt as string));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(times[0]).toBe(Date.UTC(2026, 0, 1) + 249 * 86_400_000);
  });
});

describe('search', () => {
  beforeEach(() => start({ strategies: [] }));

  it('asks the caller’s namespace only, and a caller whose id is a prefix of another’s sees only their own', async () => {
    const shorter = identity('+1415555010');
    await store.add(alice, { kind: 'text', text: 'Alice asked about parking.', metadata: factual });
    await store.add(shorter, { kind: 'text', text: 'Shorter asked about parking too.', metadata: factual });
    const found = await store.search(shorter, 'parking', { limit: 5 });
    expect(found.map((m) => m.memory)).toEqual(['Shorter asked about parking too.']);
    const [retrieve] = sent('RetrieveMemoryRecords');
    expect(retrieve.body).toMatchObject({
      namespace: '/agentic-memory/actors/am-_p1415555010/',
      searchCriteria: { searchQuery: 'parking', topK: 5 },
    });
  });
});

describe('erasure, export and retention', () => {
  it('deleteCaller erases events before records, in batches of 100, retrying throttled requests', async () => {
    await start({ strategies: [] });
    for (let i = 0; i < 150; i++) {
      server.seedRecord({ namespace: `${actorNamespace(aliceActor)}semantic/facts/`, text: `Fact ${i}` });
    }
    await store.add(alice, {
      kind: 'conversation',
      turns: [{ role: 'user', content: 'Hello there.' }],
      metadata: semantic,
    });
    server.behave({ mode: 'throttle', times: 2 });
    await store.deleteCaller(alice);
    expect(server.recordsUnder(actorNamespace(aliceActor))).toHaveLength(0);
    expect(server.eventsOf(aliceActor)).toHaveLength(0);
    const order = server.requests
      .map((r) => r.operation)
      .filter((op) => op.startsWith('Delete') || op.startsWith('Batch'));
    expect(order.indexOf('DeleteEvent')).toBeLessThan(order.indexOf('BatchDeleteMemoryRecords'));
    expect(sent('BatchDeleteMemoryRecords').filter((r) => r.body !== undefined).length).toBeGreaterThanOrEqual(2);
    expect(sent('BatchDeleteMemoryRecords').every((r) => (r.body?.records as unknown[]).length <= 100)).toBe(true);
  });

  it('listAll gives events and records with ids that deleteMemory erases; another caller’s event id erases nothing', async () => {
    await start({ strategies: [] });
    await store.add(alice, { kind: 'conversation', turns: [{ role: 'user', content: 'Hi.' }], metadata: semantic });
    await store.add(bob, { kind: 'conversation', turns: [{ role: 'user', content: 'Bob here.' }], metadata: semantic });
    const [event] = await store.listAll(alice);
    expect(event.id).toMatch(/^event\/conv_1\/\d+#[0-9a-f]+$/);
    expect(event.memory).toBe('user: Hi.');
    const [bobsEvent] = await store.listAll(bob);
    await store.deleteMemory(alice, bobsEvent.id);
    expect(await store.listAll(bob)).toHaveLength(1);
    await store.deleteMemory(alice, event.id);
    expect(await store.listAll(alice)).toEqual([]);
  });

  it('callerIds names callers whose events expired (records only) and callers behind a hashed actor id', async () => {
    await start({ strategies: [] });
    const long = identity(`${'s'.repeat(128)}/${'.'.repeat(64)}${'x'.repeat(64)}`);
    const eventsOnly = identity(`${'t'.repeat(128)}/${'.'.repeat(64)}${'y'.repeat(64)}`);
    expect(actorIdOf(long)).toMatch(/^amh-/);
    await store.add(alice, { kind: 'text', text: 'Alice summary.', metadata: factual });
    await store.add(long, { kind: 'text', text: 'Long summary.', metadata: factual });
    await store.add(eventsOnly, {
      kind: 'conversation',
      turns: [{ role: 'user', content: 'Only events.' }],
      metadata: semantic,
    });
    expect(new Set(await store.callerIds())).toEqual(new Set([alice, long, eventsOnly]));

    server.expireEvents();
    expect(new Set(await store.callerIds())).toEqual(new Set([alice, long]));
  });

  it('callerIds ignores actors and namespaces this product did not write', async () => {
    await start({ strategies: [] });
    const client = createAgentCoreClient({
      endpoint: server.url,
      credentials: { accessKeyId: 'AKIDLOOPBACK', secretAccessKey: 'loopback-secret' },
    });
    await client.send(
      new CreateEventCommand({
        memoryId: server.memoryId,
        actorId: 'some-other-application',
        sessionId: 'session-1',
        eventTimestamp: new Date(),
        payload: [{ conversational: { role: 'USER', content: { text: 'Not ours.' } } }],
      }),
    );
    server.seedRecord({ namespace: '/other-app/users/someone/', text: 'Not ours either.' });
    server.seedRecord({ namespace: `${actorNamespace('am-_q')}semantic/facts/`, text: 'A forged actor.' });
    await store.add(alice, { kind: 'text', text: 'Alice summary.', metadata: factual });
    expect(await store.callerIds()).toEqual([alice]);
  });
});

describe('deadlines and errors', () => {
  it('aborts a request at its own deadline: a retryable error, well before the service would answer', async () => {
    await start({ timeoutMs: 250 });
    server.behave({ mode: 'hang' });
    const startedAt = Date.now();
    const error = await failureOf(store.search(alice, 'anything', { limit: 3 }));
    expect(Date.now() - startedAt).toBeLessThan(2000);
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('AgentCore RetrieveMemoryRecords did not answer within 250 ms');
  });

  it('a slow service within the deadline is waited for', async () => {
    await start({ timeoutMs: 2000 });
    await store.add(alice, { kind: 'text', text: 'Slow but there.', metadata: factual });
    server.behave({ mode: 'normal', delayMs: 150 });
    expect((await store.list(alice, { type: 'factual', limit: 1 })).total).toBe(1);
  });

  it('a read is tried once: the handler decides whether to wait (erasure and retention retry inside)', async () => {
    await start();
    server.behave({ mode: 'throttle', times: 1 });
    expect((await failureOf(store.list(alice, { type: 'profile', limit: 1 }))).retryable).toBe(true);
    expect(sent('ListMemoryRecords')).toHaveLength(1);
  });

  it('maps the service’s errors by name and status, with phone numbers out of the message', () => {
    const error = (name: string, status?: number, message = 'failed') =>
      Object.assign(new Error(message), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });
    const cases: Array<[Error, boolean]> = [
      [error('ThrottledException', 429), true],
      [error('ServiceException', 500), true],
      [error('RetryableConflictException', 409), true],
      [error('ServiceQuotaExceededException', 402), true],
      [error('ValidationException', 400), false],
      [error('InvalidInputException', 400), false],
      [error('AccessDeniedException', 403), false],
      [error('ResourceNotFoundException', 404), false],
      [Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), true],
    ];
    for (const [cause, retryable] of cases) {
      expect(toAgentCoreStoreError(cause, 'CreateEvent').retryable).toBe(retryable);
    }
    const quoted = toAgentCoreStoreError(error('ValidationException', 400, 'actorId +14155550100 is invalid'), 'X');
    expect(quoted.message).not.toContain('4155550100');
    expect(quoted.message).toContain('0100');
  });
});
