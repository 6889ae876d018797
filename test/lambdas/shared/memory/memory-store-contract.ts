import { parseMemoryIdentity, type CallerId } from '../../../../lambdas/shared/caller';
import { withDeadline } from '../../../../lambdas/shared/deadline';
import {
  MemoryStoreError,
  type Memory,
  type MemoryMetadata,
  type MemoryStore,
} from '../../../../lambdas/shared/memory/memory-store';

/**
 * The behaviour every memory store owes the handlers, whatever is behind it. Run once per
 * backend (memory-store-contract.test.ts): Mem0 (the real mem0ai client against the loopback
 * Mem0 server), the embedded store, AgentCore (the real AgentCore client against the loopback
 * AgentCore server). Where backends honestly differ, the difference is a declared capability.
 */
export interface ContractBackend {
  store: MemoryStore;
  /** Waits for what the backend does after accepting a write (AgentCore's long-term extraction). */
  settle(): Promise<void>;
  /** Makes the backend's next requests fail or hang; absent for a store with no remote side. */
  faults?: {
    throttle(): void;
    serverError(): void;
    badRequest(): void;
    hang(): void;
    normal(): void;
  };
  close(): Promise<void>;
}

export interface ContractCapabilities {
  /** Adding the same memory again (a redelivered call) stores it once. */
  idempotentAdd: boolean;
  /** deleteMemory given another caller's memory id leaves that memory alone. */
  deleteMemoryScopedToCaller: boolean;
  /** Talks to a service, so it can be throttled, fail or hang (`faults` then required). */
  remote: boolean;
}

export function identity(raw: string): CallerId {
  const parsed = parseMemoryIdentity(raw);
  if (!parsed) throw new Error(`not a memory identity: ${raw}`);
  return parsed.identity;
}

const alice = identity('+14155550100');
const bob = identity('+14155550199');

function factual(conversationId: string, day: number): MemoryMetadata {
  return {
    type: 'factual',
    conversation_id: conversationId,
    agent_id: 'agent_contract',
    timestamp: new Date(Date.UTC(2026, 0, day, 10)).toISOString(),
    call_duration: 90 + day,
  };
}

const texts = (memories: Memory[]) => memories.map((m) => m.memory);

async function failureOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => new Error('expected a failure'),
    (reason: unknown) => reason,
  );
}

export function memoryStoreContract(
  name: string,
  open: () => Promise<ContractBackend>,
  capabilities: ContractCapabilities,
): void {
  describe(`memory store contract: ${name}`, () => {
    let backend: ContractBackend;
    let store: MemoryStore;

    beforeEach(async () => {
      backend = await open();
      store = backend.store;
    });
    afterEach(async () => {
      await backend.close();
    });

    describe('list', () => {
      beforeEach(async () => {
        for (const [conversation, day] of [
          ['conv_jan', 5],
          ['conv_feb', 36],
          ['conv_mar', 64],
        ] as const) {
          await store.add(alice, {
            kind: 'text',
            text: `Summary of the call of ${conversation}.`,
            metadata: factual(conversation, day),
          });
        }
        await store.add(alice, {
          kind: 'text',
          text: 'Caller profile. user name: Zoë O’Brien',
          metadata: { ...factual('conv_mar', 64), type: 'profile', profile: { user_name: 'Zoë O’Brien', vip: true } },
        });
        await store.add(bob, { kind: 'text', text: 'Summary of a call of Bob.', metadata: factual('conv_bob', 70) });
        await backend.settle();
      });

      it("gives one caller's memories of one type, newest first, at most `limit`, with the total", async () => {
        const page = await store.list(alice, { type: 'factual', limit: 2 });
        expect(texts(page.memories)).toEqual(['Summary of the call of conv_mar.', 'Summary of the call of conv_feb.']);
        expect(page.total).toBe(3);
        expect(page.memories[0].metadata).toMatchObject(factual('conv_mar', 64));
        expect(page.memories.every((m) => typeof m.id === 'string' && m.id !== '')).toBe(true);
      });

      it('keeps structured metadata (the profile) as it was written', async () => {
        const page = await store.list(alice, { type: 'profile', limit: 5 });
        expect(page.total).toBe(1);
        expect(page.memories[0].metadata.profile).toEqual({ user_name: 'Zoë O’Brien', vip: true });
      });

      it("gives one conversation's memories when asked", async () => {
        const page = await store.list(alice, { type: 'factual', limit: 5, conversationId: 'conv_feb' });
        expect(texts(page.memories)).toEqual(['Summary of the call of conv_feb.']);
        expect(page.total).toBe(1);
        expect((await store.list(alice, { type: 'factual', limit: 5, conversationId: 'conv_bob' })).total).toBe(0);
      });

      it('gives a stranger nothing, and a limit of 0 the total only', async () => {
        expect(await store.list(identity('+14155550123'), { type: 'factual', limit: 5 })).toEqual({
          memories: [],
          total: 0,
        });
        expect(await store.list(alice, { type: 'factual', limit: 0 })).toEqual({ memories: [], total: 3 });
      });
    });

    describe('add', () => {
      it('learns from a conversation what the caller said', async () => {
        await store.add(alice, {
          kind: 'conversation',
          turns: [
            { role: 'assistant', content: 'Hello, how can I help?' },
            { role: 'user', content: 'My daughter Emma starts school in September.' },
          ],
          metadata: { type: 'semantic', conversation_id: 'conv_emma', timestamp: '2026-02-01T10:00:00.000Z' },
        });
        await backend.settle();
        const page = await store.list(alice, { type: 'semantic', limit: 10 });
        expect(page.total).toBeGreaterThan(0);
        expect(texts(page.memories).some((text) => text.includes('Emma starts school in September'))).toBe(true);
        expect(texts(page.memories).some((text) => text.includes('how can I help'))).toBe(false);
      });

      it('stores nothing for a blank text or a conversation of blank turns', async () => {
        await store.add(alice, { kind: 'text', text: '  \n ', metadata: factual('conv_blank', 1) });
        await store.add(alice, {
          kind: 'conversation',
          turns: [{ role: 'user', content: '   ' }],
          metadata: { type: 'semantic', conversation_id: 'conv_blank' },
        });
        await backend.settle();
        expect(await store.listAll(alice)).toEqual([]);
      });

      it(
        capabilities.idempotentAdd
          ? 'stores a memory written twice (a redelivered call) once'
          : 'stores a memory written twice twice (idempotency is the ingest worker’s)',
        async () => {
          const memory = {
            kind: 'text' as const,
            text: 'Asked about the June invoice.',
            metadata: factual('conv_dup', 9),
          };
          await store.add(alice, memory);
          await store.add(alice, memory);
          await backend.settle();
          expect((await store.list(alice, { type: 'factual', limit: 10 })).total).toBe(
            capabilities.idempotentAdd ? 1 : 2,
          );
        },
      );
    });

    describe('search', () => {
      beforeEach(async () => {
        await store.add(alice, {
          kind: 'text',
          text: 'Prefers appointments in the morning, before nine.',
          metadata: factual('conv_a1', 3),
        });
        await store.add(alice, { kind: 'text', text: 'Has a cat called Miso.', metadata: factual('conv_a2', 4) });
        await store.add(bob, {
          kind: 'text',
          text: 'Prefers appointments in the evening, after six.',
          metadata: factual('conv_b1', 3),
        });
        await backend.settle();
      });

      it("finds the caller's own memories, and never another caller's", async () => {
        const found = await store.search(alice, 'appointments', { limit: 5 });
        expect(texts(found)).toContain('Prefers appointments in the morning, before nine.');
        expect(texts(found).some((text) => text.includes('evening'))).toBe(false);
        const bobs = await store.search(bob, 'appointments morning evening', { limit: 5 });
        expect(texts(bobs)).toEqual(['Prefers appointments in the evening, after six.']);
        expect(await store.search(identity('+14155550123'), 'appointments', { limit: 5 })).toEqual([]);
      });

      it('answers in the same shape: at most `limit`, scores within [0, 1]', async () => {
        const found = await store.search(alice, 'appointments cat morning', { limit: 1 });
        expect(found).toHaveLength(1);
        for (const memory of found) {
          expect(memory.metadata.type).toBe('factual');
          if (memory.score !== undefined) expect(memory.score >= 0 && memory.score <= 1).toBe(true);
        }
      });

      it('finds nothing for an empty query or a limit below 1', async () => {
        expect(await store.search(alice, '   ', { limit: 5 })).toEqual([]);
        expect(await store.search(alice, 'appointments', { limit: 0 })).toEqual([]);
      });
    });

    describe('erasure, export and retention', () => {
      beforeEach(async () => {
        await store.add(alice, { kind: 'text', text: 'Summary of an old call.', metadata: factual('conv_old', 2) });
        await store.add(alice, {
          kind: 'conversation',
          turns: [{ role: 'user', content: 'I moved to Duluth last spring.' }],
          metadata: { type: 'semantic', conversation_id: 'conv_new', timestamp: '2026-03-01T10:00:00.000Z' },
        });
        await store.add(bob, { kind: 'text', text: 'Summary of a call of Bob.', metadata: factual('conv_bob', 3) });
        await backend.settle();
      });

      it('listAll gives every memory of the caller, newest first, each with its creation time', async () => {
        const all = await store.listAll(alice);
        expect(texts(all)).toContain('Summary of an old call.');
        expect(texts(all).some((text) => text.includes('Duluth'))).toBe(true);
        expect(texts(all).some((text) => text.includes('Bob'))).toBe(false);
        const times = all.map((m) => Date.parse(m.createdAt as string));
        expect(times.every((time) => Number.isFinite(time))).toBe(true);
        expect(times).toEqual([...times].sort((a, b) => b - a));
        expect(new Set(all.map((m) => m.id)).size).toBe(all.length);
      });

      it("deleteCaller erases every memory of the caller and nobody else's", async () => {
        await store.deleteCaller(alice);
        expect(await store.listAll(alice)).toEqual([]);
        expect((await store.list(alice, { type: 'factual', limit: 5 })).total).toBe(0);
        expect((await store.list(alice, { type: 'semantic', limit: 5 })).total).toBe(0);
        expect(await store.search(alice, 'Duluth call', { limit: 5 })).toEqual([]);
        expect(texts(await store.listAll(bob))).toEqual(['Summary of a call of Bob.']);
        await expect(store.deleteCaller(identity('+14155550123'))).resolves.toBeUndefined();
      });

      it('deleteMemory erases that one memory; one already gone counts as erased', async () => {
        const [old] = (await store.listAll(alice)).filter((m) => m.memory === 'Summary of an old call.');
        await store.deleteMemory(alice, old.id);
        const left = await store.listAll(alice);
        expect(left.map((m) => m.id)).not.toContain(old.id);
        expect(texts(left).some((text) => text.includes('Duluth'))).toBe(true);
        await expect(store.deleteMemory(alice, old.id)).resolves.toBeUndefined();
      });

      it(
        capabilities.deleteMemoryScopedToCaller
          ? "deleteMemory with another caller's memory id leaves that memory alone"
          : "deleteMemory erases by id alone: another caller's id erases their memory (the handlers never pass one)",
        async () => {
          const [bobs] = await store.listAll(bob);
          await store.deleteMemory(alice, bobs.id);
          expect((await store.listAll(bob)).length).toBe(capabilities.deleteMemoryScopedToCaller ? 1 : 0);
        },
      );

      it('callerIds gives back every identity exactly, scoped ones with / and + included; an erased one is gone', async () => {
        const scoped = [
          identity('clinic-a/+14155550100'),
          identity('agent_01jxyzcontract/web-user@example.com'),
          identity('web-user@example.com'),
        ];
        for (const id of scoped) {
          await store.add(id, { kind: 'text', text: `Summary for ${id}.`, metadata: factual('conv_scope', 4) });
        }
        await backend.settle();
        expect(new Set(await store.callerIds())).toEqual(new Set([alice, bob, ...scoped]));
        await store.deleteCaller(scoped[0]);
        expect(await store.callerIds()).not.toContain(scoped[0]);
      });
    });

    if (!capabilities.remote) return;

    describe('when the service fails', () => {
      const faults = () => {
        if (!backend.faults) throw new Error(`${name} declares a remote side but no faults`);
        return backend.faults;
      };

      it('throttling is a retryable MemoryStoreError, for reads and writes', async () => {
        faults().throttle();
        const read = await failureOf(store.list(alice, { type: 'factual', limit: 5 }));
        const write = await failureOf(
          store.add(alice, { kind: 'text', text: 'Throttled.', metadata: factual('c', 1) }),
        );
        for (const error of [read, write]) {
          expect(error).toBeInstanceOf(MemoryStoreError);
          expect((error as MemoryStoreError).retryable).toBe(true);
        }
      });

      it('a server error is retryable, a refused request is not', async () => {
        faults().serverError();
        const outage = await failureOf(store.search(alice, 'anything', { limit: 5 }));
        expect(outage).toBeInstanceOf(MemoryStoreError);
        expect((outage as MemoryStoreError).retryable).toBe(true);
        faults().badRequest();
        const refused = await failureOf(store.list(alice, { type: 'factual', limit: 5 }));
        expect(refused).toBeInstanceOf(MemoryStoreError);
        expect((refused as MemoryStoreError).retryable).toBe(false);
      });

      it('a hung service fails within the deadline, and the store works again once it answers', async () => {
        faults().hang();
        const startedAt = Date.now();
        const error = await failureOf(
          withDeadline(store.list(alice, { type: 'factual', limit: 5 }), 300, 'memory read'),
        );
        expect(error).toBeInstanceOf(Error);
        expect(Date.now() - startedAt).toBeLessThan(2000);
        faults().normal();
        await store.add(alice, { kind: 'text', text: 'After the outage.', metadata: factual('conv_after', 8) });
        await backend.settle();
        expect(texts((await store.list(alice, { type: 'factual', limit: 5 })).memories)).toEqual(['After the outage.']);
      });
    });
  });
}
