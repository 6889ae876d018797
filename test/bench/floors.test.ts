import { callerWith, seedAgentCoreCaller, seedCaller } from '../../bench/callers';
import { AgentCoreFloor } from '../../bench/warm/agentcore-floor';
import { Mem0Floor } from '../../bench/warm/mem0-floor';
import { memoriesFromConversation, type PlannedMemory } from '../../lambdas/ingest/conversation-memories';
import type { CallerId } from '../../lambdas/shared/caller';
import { clientDataSettings, retrieveSettings } from '../../lambdas/shared/config';
import { readCallerMemory } from '../../lambdas/shared/context/read-caller-memory';
import { parsePostCallPayload } from '../../lambdas/shared/elevenlabs/post-call-schema';
import { createAgentCoreClient } from '../../lambdas/shared/memory/agentcore-client';
import { AgentCoreMemoryStore } from '../../lambdas/shared/memory/agentcore-store';
import { Mem0MemoryStore, mem0Client } from '../../lambdas/shared/memory/mem0-store';
import {
  startAgentCoreServer,
  type AgentCoreLoopbackServer,
  type RecordedAgentCoreRequest,
} from '../support/agentcore-server';
import { readFixture } from '../support/fixtures';
import { startMem0Server, type Mem0LoopbackServer } from '../support/mem0-server';

/**
 * A floor is what the handler cannot avoid sending: if it sent less, the bench would charge the
 * adapter's requests to the handler's own work; more, and it would hide that work. So each floor
 * is held to the requests the real adapter sends for the same operation — the same requests, with
 * the same arguments, and (for the pre-call's reads) the same ones in flight at once.
 */

const SETTINGS = clientDataSettings({});
const SEARCH_LIMIT = retrieveSettings({}).defaultLimit;
const LONG_CALL = 'elevenlabs/recorded/post_call_transcription.memoir-session-2-35min.json';

/**
 * The memories ingest writes for the recorded 35-minute call, and a transcript and a text long
 * enough to be written in parts (several events; several records in one batch).
 */
function plannedMemories(): PlannedMemory[] {
  const payload = parsePostCallPayload(JSON.parse(readFixture(LONG_CALL).toString('utf8')) as Record<string, unknown>);
  if (payload.type !== 'post_call_transcription') throw new Error('the fixture is not a transcription');
  const planned = memoriesFromConversation(payload.conversation);
  const long = 'The caller went through her mother’s letters from the war, one by one. '.repeat(600);
  const metadata = { type: 'semantic' as const, conversation_id: 'conv_floor_long', timestamp: '2026-11-30T10:00:00Z' };
  planned.push({
    type: 'semantic',
    idempotencyKey: 'many-turns',
    memory: {
      kind: 'conversation',
      turns: Array.from({ length: 250 }, (_, i) => ({
        role: i % 2 === 0 ? ('assistant' as const) : ('user' as const),
        content: `Turn ${i}: and then we drove on to the lake.`,
      })),
      metadata,
    },
  });
  planned.push({
    type: 'semantic',
    idempotencyKey: 'long',
    memory: {
      kind: 'text',
      text: long,
      metadata,
    },
  });
  return planned;
}

describe('the AgentCore floor sends what the AgentCore adapter sends', () => {
  let server: AgentCoreLoopbackServer;
  let store: AgentCoreMemoryStore;
  let floor: AgentCoreFloor;

  beforeAll(async () => {
    server = await startAgentCoreServer();
    const client = createAgentCoreClient({
      endpoint: server.url,
      credentials: { accessKeyId: 'floor', secretAccessKey: 'floor' },
    });
    store = new AgentCoreMemoryStore({ client, memoryId: server.memoryId });
    floor = new AgentCoreFloor(client, server.memoryId);
    for (const memories of [10, 1000] as const)
      await seedAgentCoreCaller(store, server, callerWith(memories), memories);
  }, 30_000);
  afterAll(() => server.close());

  /** The requests `work` makes, each with the time it arrived. */
  async function sent(work: () => Promise<unknown>): Promise<Array<RecordedAgentCoreRequest & { at: number }>> {
    const arrivals: Array<RecordedAgentCoreRequest & { at: number }> = [];
    const requests = server.requests;
    const push = requests.push;
    requests.push = (...recorded: RecordedAgentCoreRequest[]) => {
      for (const request of recorded) arrivals.push({ ...request, at: performance.now() });
      return push.apply(requests, recorded);
    };
    try {
      await work();
    } finally {
      requests.push = push;
    }
    return arrivals;
  }

  const wire = (request: RecordedAgentCoreRequest) =>
    JSON.stringify({ operation: request.operation, path: request.path, query: request.query, body: request.body });

  test('pre-call, caller with 1,000 memories: every page of the same lists', async () => {
    const caller = callerWith(1000);
    const adapter = await sent(() =>
      readCallerMemory(store, caller as CallerId, { ...SETTINGS, deadlineMs: 10_000 }).then((memory) =>
        expect(memory.memoryCount).toBe(1000),
      ),
    );
    const floors = await sent(() => floor.preCallReads(caller, SETTINGS));
    // 2 pages of summaries, 8 of facts, 2 of sessions, 1 of events and 1 of the profile.
    expect(adapter.map((r) => r.operation).sort()).toEqual([
      'ListEvents',
      ...Array(2 + 8 + 1).fill('ListMemoryRecords'),
      'ListSessions',
      'ListSessions',
    ]);
    expect(floors.map(wire).sort()).toEqual(adapter.map(wire).sort());
  });

  test('pre-call: the same requests in flight at once, and the latest session’s events only once the sessions are known', async () => {
    // Every answer waits this long: what is sent before the first answer was sent side by side.
    const delayMs = 150;
    server.behave({ mode: 'normal', delayMs });
    try {
      const caller = callerWith(10);
      const waves = async (work: () => Promise<unknown>) => {
        const arrivals = await sent(work);
        const first = arrivals[0].at;
        return [0, 1].map((wave) =>
          arrivals
            .filter((r) => Math.floor((r.at - first) / delayMs) === wave)
            .map(wire)
            .sort(),
        );
      };
      const adapter = await waves(() =>
        readCallerMemory(store, caller as CallerId, { ...SETTINGS, deadlineMs: 10_000 }),
      );
      const floors = await waves(() => floor.preCallReads(caller, SETTINGS));
      expect(adapter.map((wave) => wave.map((r) => JSON.parse(r).operation))).toEqual([
        ['ListMemoryRecords', 'ListMemoryRecords', 'ListMemoryRecords', 'ListSessions'],
        ['ListEvents'],
      ]);
      expect(floors).toEqual(adapter);
    } finally {
      server.behave({ mode: 'normal' });
    }
  });

  test('search: one RetrieveMemoryRecords with the same namespace, query, topK and page size', async () => {
    const caller = callerWith(1000);
    const query = '  granddaughter garden trip ';
    const adapter = await sent(() => store.search(caller as CallerId, query, { limit: SEARCH_LIMIT }));
    const floors = await sent(() => floor.search(caller, query, SEARCH_LIMIT));
    expect(adapter.map((r) => r.operation)).toEqual(['RetrieveMemoryRecords']);
    expect(floors.map(wire)).toEqual(adapter.map(wire));
  });

  test('ingest: the same lists, then the same records and events in the same order, for a transcript in parts and a text in parts', async () => {
    const planned = plannedMemories();
    const caller = '+16125550901';
    const adapter = await sent(async () => {
      for (const memory of planned) await store.add(caller as CallerId, memory.memory);
    });
    // The floor writes the same conversations to a store of its own, where they are new too.
    const own = await startAgentCoreServer();
    try {
      const ownFloor = new AgentCoreFloor(
        createAgentCoreClient({ endpoint: own.url, credentials: { accessKeyId: 'floor', secretAccessKey: 'floor' } }),
        own.memoryId,
      );
      for (const memory of planned) await ownFloor.write(caller, memory);
      const operations = adapter.map((r) => r.operation);
      // The recorded call's transcript in one event, the 250 turns in three (100 items each at most).
      expect(operations.filter((o) => o === 'CreateEvent')).toHaveLength(4);
      // Summary, profile, and the long text's parts in one batch.
      expect(operations.filter((o) => o === 'BatchCreateMemoryRecords')).toHaveLength(3);
      expect(operations[0]).toBe('ListMemoryRecords');
      expect(own.requests.map(wire)).toEqual(adapter.map(wire));
    } finally {
      await own.close();
    }
  });
});

describe('the Mem0 floor sends what the Mem0 adapter sends', () => {
  let mem0: Mem0LoopbackServer;
  let store: Mem0MemoryStore;
  let floor: Mem0Floor;

  beforeAll(async () => {
    mem0 = await startMem0Server();
    const client = mem0Client(mem0.apiKey, mem0.url);
    store = new Mem0MemoryStore(async () => client);
    floor = new Mem0Floor(client);
    seedCaller(mem0, callerWith(100), 100);
  });
  afterAll(() => mem0.close());

  async function sent(work: () => Promise<unknown>): Promise<string[]> {
    const from = mem0.requests.length;
    await work();
    return mem0.requests
      .slice(from)
      .filter((r) => r.path !== '/v1/ping/')
      .map((r) => JSON.stringify({ method: r.method, path: r.path, query: r.query, body: r.body }));
  }

  test('pre-call, search and ingest: the same requests', async () => {
    const caller = callerWith(100);
    await sent(() => store.search(caller as CallerId, 'warm up', { limit: 1 }));
    const reads = await sent(() => readCallerMemory(store, caller as CallerId, { ...SETTINGS, deadlineMs: 10_000 }));
    expect(reads).toHaveLength(3);
    expect((await sent(() => floor.preCallReads(caller, SETTINGS))).sort()).toEqual(reads.sort());

    const search = await sent(() => store.search(caller as CallerId, 'garden', { limit: SEARCH_LIMIT }));
    expect(search).toHaveLength(1);
    expect(await sent(() => floor.search(caller, 'garden', SEARCH_LIMIT))).toEqual(search);

    const planned = plannedMemories();
    const adds = await sent(async () => {
      for (const memory of planned) await store.add('+16125550903' as CallerId, memory.memory);
    });
    expect(adds).toHaveLength(planned.length);
    expect(
      await sent(async () => {
        for (const memory of planned) await floor.write('+16125550903', memory);
      }),
    ).toEqual(adds);
  });
});
