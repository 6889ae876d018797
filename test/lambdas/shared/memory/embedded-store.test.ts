import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CallerId } from '../../../../lambdas/shared/caller';
import {
  EmbeddedMemoryStore,
  MAX_SNIPPET_CHARS,
  MAX_TEXT_CHARS,
  callerFileName,
} from '../../../../lambdas/shared/memory/embedded-store';
import type { ConversationTurn, MemoryMetadata } from '../../../../lambdas/shared/memory/memory-store';

type EmbeddedStoreModule = typeof import('../../../../lambdas/shared/memory/embedded-store');

const alice = '+14155550100' as CallerId;
const bob = 'crm:bob@example.com' as CallerId;
const factual: MemoryMetadata = { type: 'factual', conversation_id: 'conv-1' };
const semantic: MemoryMetadata = { type: 'semantic', conversation_id: 'conv-1' };

let directory: string;

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-store-'));
});

afterEach(() => {
  fs.rmSync(directory, { recursive: true, force: true });
});

/**
 * A store from a fresh copy of the module: what another process (or the same one after a
 * restart) sees, since stores on one directory in one process share their state.
 */
function anotherProcess(): EmbeddedStoreModule {
  let fresh!: EmbeddedStoreModule;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    fresh = require('../../../../lambdas/shared/memory/embedded-store') as EmbeddedStoreModule;
  });
  return fresh;
}

function storeInAnotherProcess(): EmbeddedMemoryStore {
  return new (anotherProcess().EmbeddedMemoryStore)({ directory });
}

function text(memory: string, metadata: MemoryMetadata = factual) {
  return { kind: 'text' as const, text: memory, metadata };
}

function conversation(turns: ConversationTurn[], metadata: MemoryMetadata = semantic) {
  return { kind: 'conversation' as const, turns, metadata };
}

describe('EmbeddedMemoryStore persistence', () => {
  it('keeps every memory across a restart', async () => {
    const store = new EmbeddedMemoryStore({ directory });
    await store.add(alice, text('Asked about the June invoice.'));
    await store.add(alice, conversation([{ role: 'user', content: 'My sister Margaret lives in Leeds.' }]));

    const restarted = storeInAnotherProcess();

    expect((await restarted.list(alice, { type: 'factual', limit: 10 })).memories.map((m) => m.memory)).toEqual([
      'Asked about the June invoice.',
    ]);
    const found = await restarted.search(alice, 'Margaret', { limit: 5 });
    expect(found.map((m) => m.memory)).toEqual(['My sister Margaret lives in Leeds.']);
    expect(found[0].metadata).toEqual(semantic);
  });

  it('writes one JSONL file per caller, named by the caller id in base64url', async () => {
    const store = new EmbeddedMemoryStore({ directory });
    await store.add(alice, text('one fact'));
    await store.add(bob, text('bob fact'));

    expect(fs.readdirSync(directory).sort()).toEqual([callerFileName(alice), callerFileName(bob)].sort());
    expect(callerFileName(alice)).toBe(`${Buffer.from(alice).toString('base64url')}.jsonl`);
    const [line] = fs
      .readFileSync(path.join(directory, callerFileName(alice)), 'utf8')
      .trim()
      .split('\n');
    expect(JSON.parse(line)).toEqual({
      id: expect.any(String),
      memory: 'one fact',
      metadata: factual,
      createdAt: expect.any(String),
    });
    expect((await storeInAnotherProcess().callerIds()).sort()).toEqual([alice, bob].sort());
  });

  it('does not corrupt the file under concurrent adds for one caller', async () => {
    const store = new EmbeddedMemoryStore({ directory });
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.add(alice, text(`fact number ${i}`))));

    const lines = fs
      .readFileSync(path.join(directory, callerFileName(alice)), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(50);
    expect(new Set(lines.map((line) => JSON.parse(line).memory)).size).toBe(50);
    expect((await storeInAnotherProcess().list(alice, { type: 'factual', limit: 100 })).total).toBe(50);
  });

  it('recovers from a write cut short by a crash: earlier and later memories survive', async () => {
    const store = new EmbeddedMemoryStore({ directory });
    await store.add(alice, text('before the crash'));
    fs.appendFileSync(path.join(directory, callerFileName(alice)), '{"id":"torn","memory":"half a li');

    const restarted = storeInAnotherProcess();
    await restarted.add(alice, text('after the crash'));

    const page = await storeInAnotherProcess().list(alice, { type: 'factual', limit: 10 });
    expect(page.memories.map((m) => m.memory)).toEqual(['after the crash', 'before the crash']);
  });

  it('reads a caller from disk once, then serves it from memory, across stores on one directory', async () => {
    const ingest = new EmbeddedMemoryStore({ directory });
    await ingest.add(alice, text('already on disk'));
    const reads = jest.spyOn(fs.promises, 'readFile');
    try {
      const restarted = anotherProcess();
      const clientData = new restarted.EmbeddedMemoryStore({ directory });
      const retrieve = new restarted.EmbeddedMemoryStore({ directory });
      await Promise.all([
        ...Array.from({ length: 20 }, (_, i) => clientData.add(alice, text(`concurrent ${i}`))),
        retrieve.search(alice, 'concurrent', { limit: 5 }),
        retrieve.list(alice, { type: 'factual', limit: 5 }),
      ]);

      expect(reads).toHaveBeenCalledTimes(1);
      expect((await retrieve.list(alice, { type: 'factual', limit: 50 })).total).toBe(21);
    } finally {
      reads.mockRestore();
    }
  });

  it('shares state between stores on one directory, and notices changes made by another process', async () => {
    const handlerA = new EmbeddedMemoryStore({ directory });
    const handlerB = new EmbeddedMemoryStore({ directory });
    await handlerA.list(alice, { type: 'factual', limit: 10 }); // loaded, and empty
    await handlerB.add(alice, text('added by the ingest worker'));
    expect((await handlerA.list(alice, { type: 'factual', limit: 10 })).total).toBe(1);

    const adminCli = storeInAnotherProcess();
    await adminCli.add(alice, text('added by an admin tool'));
    expect((await handlerA.list(alice, { type: 'factual', limit: 10 })).total).toBe(2);

    await adminCli.deleteCaller(alice);
    expect(await handlerA.list(alice, { type: 'factual', limit: 10 })).toEqual({ memories: [], total: 0 });
  });
});

describe('EmbeddedMemoryStore.deleteCaller', () => {
  it('erases the caller (file included) and nobody else', async () => {
    const store = new EmbeddedMemoryStore({ directory });
    await store.add(alice, text('alice fact'));
    await store.add(bob, text('bob fact'));

    await store.deleteCaller(alice);

    expect(fs.existsSync(path.join(directory, callerFileName(alice)))).toBe(false);
    expect(await store.list(alice, { type: 'factual', limit: 10 })).toEqual({ memories: [], total: 0 });
    expect(await store.search(alice, 'fact', { limit: 10 })).toEqual([]);
    expect((await storeInAnotherProcess().list(alice, { type: 'factual', limit: 10 })).total).toBe(0);
    expect((await store.list(bob, { type: 'factual', limit: 10 })).total).toBe(1);
  });

  it('succeeds for a caller with no memories', async () => {
    await expect(new EmbeddedMemoryStore({ directory }).deleteCaller(alice)).resolves.toBeUndefined();
  });
});

describe('EmbeddedMemoryStore.add', () => {
  it('remembers only what the caller said, as short snippets, dropping trivial turns', async () => {
    const store = new EmbeddedMemoryStore({ directory });
    const longTurn = Array.from(
      { length: 12 },
      (_, i) => `Sentence ${i} is about my vegetable garden and the tomatoes growing there.`,
    ).join(' ');
    await store.add(
      alice,
      conversation([
        { role: 'assistant', content: 'Welcome back! Your plumber appointment is on Tuesday.' },
        { role: 'user', content: 'Yes.' },
        { role: 'user', content: 'ok' },
        { role: 'user', content: 'hmm right' },
        { role: 'user', content: 'No, that is everything. Thank you so much.' },
        { role: 'user', content: 'I moved to Bristol last spring.' },
        { role: 'user', content: longTurn },
      ]),
    );

    const { memories, total } = await store.list(alice, { type: 'semantic', limit: 100 });
    const snippets = memories.map((m) => m.memory).reverse();

    expect(snippets[0]).toBe('I moved to Bristol last spring.');
    expect(snippets.slice(1).join(' ')).toBe(longTurn);
    expect(total).toBeGreaterThan(2);
    for (const snippet of snippets) {
      expect(snippet.length).toBeLessThanOrEqual(MAX_SNIPPET_CHARS);
      expect(snippet).toMatch(/[.!?]$/); // split at sentence ends
    }
    expect(memories.every((m) => m.metadata.type === 'semantic' && m.metadata.conversation_id === 'conv-1')).toBe(true);
    expect(await store.search(alice, 'plumber appointment', { limit: 5 })).toEqual([]);
  });

  it('keeps a text as one memory, capped in length', async () => {
    const store = new EmbeddedMemoryStore({ directory });
    await store.add(alice, text('x'.repeat(MAX_TEXT_CHARS + 500)));

    const { memories } = await store.list(alice, { type: 'factual', limit: 10 });
    expect(memories).toHaveLength(1);
    expect(memories[0].memory).toHaveLength(MAX_TEXT_CHARS);
  });

  it('gives every memory a unique id and an ISO creation time', async () => {
    const store = new EmbeddedMemoryStore({ directory });
    await store.add(alice, text('first'));
    await store.add(alice, text('second'));

    const { memories } = await store.list(alice, { type: 'factual', limit: 10 });
    expect(new Set(memories.map((m) => m.id)).size).toBe(2);
    for (const memory of memories) expect(new Date(memory.createdAt as string).toISOString()).toBe(memory.createdAt);
  });
});

describe('EmbeddedMemoryStore.list', () => {
  it('returns one type, newest first, at most `limit`, with the total of that type', async () => {
    const store = new EmbeddedMemoryStore({ directory });
    for (const memory of ['first', 'second', 'third']) await store.add(alice, text(memory));
    await store.add(alice, text('a profile fact', { type: 'profile' }));

    const page = await store.list(alice, { type: 'factual', limit: 2 });

    expect(page.memories.map((m) => m.memory)).toEqual(['third', 'second']);
    expect(page.total).toBe(3);
    expect((await store.list(alice, { type: 'factual', limit: 0 })).memories).toEqual([]);
  });

  it("never hands one caller another's memories, however alike their ids, before and after a restart", async () => {
    // The same number in two agent scopes, a number that extends another, ids differing only in case.
    const callers = [
      alice,
      'agent_a/+14155550100',
      'agent_b/+14155550100',
      '+141555501001',
      'crm:Bob@example.com',
      bob,
    ] as CallerId[];
    const store = new EmbeddedMemoryStore({ directory });
    for (const caller of callers) {
      await store.add(caller, text(`fact of ${caller}`));
      await store.add(caller, text(`memoir of ${caller}`, semantic));
    }

    for (const reader of [store, storeInAnotherProcess()]) {
      for (const caller of callers) {
        const factualPage = await reader.list(caller, { type: 'factual', limit: 50 });
        expect(factualPage).toEqual({ memories: [expect.objectContaining({ memory: `fact of ${caller}` })], total: 1 });
        expect((await reader.listAll(caller)).map((m) => m.memory).sort()).toEqual(
          [`fact of ${caller}`, `memoir of ${caller}`].sort(),
        );
        expect((await reader.search(caller, 'memoir of', { limit: 50 })).map((m) => m.memory)).toEqual([
          `memoir of ${caller}`,
        ]);
      }
    }
  });

  it('hands out copies: changing a result does not change the store', async () => {
    const store = new EmbeddedMemoryStore({ directory });
    await store.add(alice, text('original'));
    const [memory] = (await store.list(alice, { type: 'factual', limit: 1 })).memories;
    memory.memory = 'changed';
    memory.metadata.type = 'profile';

    expect((await store.list(alice, { type: 'factual', limit: 1 })).memories[0].memory).toBe('original');
  });
});

describe('EmbeddedMemoryStore.search', () => {
  let store: EmbeddedMemoryStore;
  beforeEach(async () => {
    store = new EmbeddedMemoryStore({ directory });
    await store.add(
      alice,
      conversation([
        { role: 'user', content: 'My sister Margaret is visiting in June.' },
        { role: 'user', content: 'I love gardening on the weekends.' },
        { role: 'user', content: 'The invoice for June was wrong, please check the invoice.' },
      ]),
    );
    await store.add(bob, text('Margaret garden invoice June', semantic));
  });

  it('finds a misspelt word (Margret finds Margaret)', async () => {
    const results = await store.search(alice, 'Margret', { limit: 5 });
    expect(results.map((m) => m.memory)).toEqual(['My sister Margaret is visiting in June.']);
  });

  it('finds a word from its beginning (garden finds gardening)', async () => {
    const results = await store.search(alice, 'garden', { limit: 5 });
    expect(results.map((m) => m.memory)).toEqual(['I love gardening on the weekends.']);
  });

  it('ranks the memory matching more of the query first, scores in [0, 1] and descending', async () => {
    const results = await store.search(alice, 'what was wrong with the June invoice', { limit: 5 });

    expect(results.map((m) => m.memory)).toEqual([
      'The invoice for June was wrong, please check the invoice.',
      'My sister Margaret is visiting in June.',
    ]);
    const scores = results.map((m) => m.score as number);
    expect(scores[0]).toBeLessThanOrEqual(1);
    expect(scores[0]).toBeGreaterThan(scores[1]);
    expect(scores[1]).toBeGreaterThan(0);
  });

  it('scores a partial match of the query below 1', async () => {
    const [best] = await store.search(alice, 'Margaret birthday cake', { limit: 5 });
    expect(best.memory).toBe('My sister Margaret is visiting in June.');
    expect(best.score).toBeLessThan(0.5);
  });

  it('prefers the newer of two equally relevant memories', async () => {
    await store.add(alice, text('Parking permit renewed', factual));
    await store.add(alice, text('Parking permit renewed', { type: 'factual', conversation_id: 'conv-2' }));

    const results = await store.search(alice, 'parking permit', { limit: 5 });

    expect(results.map((m) => m.metadata.conversation_id)).toEqual(['conv-2', 'conv-1']);
  });

  it('searches one caller only, respects the limit, and answers nothing to an empty query', async () => {
    expect((await store.search(alice, 'June', { limit: 1 })).length).toBe(1);
    expect((await store.search(bob, 'sister', { limit: 5 })).length).toBe(0);
    expect(await store.search(alice, '  ', { limit: 5 })).toEqual([]);
  });

  it('sees memories added after the index was built', async () => {
    await store.search(alice, 'anything', { limit: 1 });
    await store.add(alice, text('Allergic to penicillin', factual));

    expect((await store.search(alice, 'penicillin', { limit: 1 })).map((m) => m.memory)).toEqual([
      'Allergic to penicillin',
    ]);
  });
});

describe('EmbeddedMemoryStore at 10,000 memories per caller', () => {
  it('stores, reloads and searches them', async () => {
    const store = new EmbeddedMemoryStore({ directory });
    for (let call = 0; call < 100; call++) {
      const turns = Array.from({ length: 100 }, (_, i): ConversationTurn => ({
        role: 'user',
        content: `Note ${call * 100 + i} about order ${call}-${i} and delivery slot ${i % 7}.`,
      }));
      await store.add(alice, conversation(turns, { type: 'semantic', conversation_id: `conv-${call}` }));
    }
    await store.add(alice, text('The gate code is 4471, use the side entrance', semantic));

    expect((await store.search(alice, 'gate code side entrance', { limit: 3 }))[0].memory).toBe(
      'The gate code is 4471, use the side entrance',
    );

    const restarted = storeInAnotherProcess();
    expect((await restarted.list(alice, { type: 'semantic', limit: 5 })).total).toBe(10_001);
    expect((await restarted.search(alice, 'gate code', { limit: 3 }))[0].memory).toContain('4471');
  });
});

describe('EmbeddedMemoryStore in memory', () => {
  it('works without a directory and keeps each instance to itself', async () => {
    const one = new EmbeddedMemoryStore();
    const other = new EmbeddedMemoryStore();
    await one.add(alice, text('kept in memory'));

    expect((await one.search(alice, 'memory', { limit: 5 })).map((m) => m.memory)).toEqual(['kept in memory']);
    expect(await one.callerIds()).toEqual([alice]);
    expect((await other.list(alice, { type: 'factual', limit: 5 })).total).toBe(0);
    await one.deleteCaller(alice);
    expect(await one.callerIds()).toEqual([]);
  });
});

describe('EmbeddedMemoryStore admin: listAll, deleteMemory, callerIds', () => {
  it('lists every memory of the caller, all types, newest first, with creation times', async () => {
    const store = new EmbeddedMemoryStore({ directory });
    await store.add(alice, text('first fact'));
    await store.add(alice, text('a profile of alice', { type: 'profile' }));
    await store.add(bob, text('bob fact'));

    const all = await store.listAll(alice);

    expect(all.map((memory) => [memory.memory, memory.metadata.type])).toEqual([
      ['a profile of alice', 'profile'],
      ['first fact', 'factual'],
    ]);
    for (const memory of all) expect(Date.parse(memory.createdAt as string)).not.toBeNaN();
  });

  it('deletes one memory durably: gone for search, list and another process; the others stay', async () => {
    const store = new EmbeddedMemoryStore({ directory });
    await store.add(alice, text('the garden gnome order'));
    await store.add(alice, text('the garden hose order'));
    const [hose, gnome] = await store.listAll(alice);
    expect(await store.search(alice, 'garden', { limit: 5 })).toHaveLength(2);

    await store.deleteMemory(alice, gnome.id);
    await store.deleteMemory(alice, gnome.id);

    expect((await store.listAll(alice)).map((memory) => memory.id)).toEqual([hose.id]);
    expect((await store.search(alice, 'garden', { limit: 5 })).map((memory) => memory.id)).toEqual([hose.id]);
    expect((await storeInAnotherProcess().listAll(alice)).map((memory) => memory.id)).toEqual([hose.id]);
    await store.add(alice, text('appended after the rewrite'));
    expect(await storeInAnotherProcess().listAll(alice)).toHaveLength(2);
  });

  it('takes the file with the last memory, so the caller is no longer listed', async () => {
    const store = new EmbeddedMemoryStore({ directory });
    await store.add(alice, text('only fact'));
    await store.add(bob, text('bob fact'));
    expect((await store.callerIds()).sort()).toEqual([alice, bob].sort());

    const [only] = await store.listAll(alice);
    await store.deleteMemory(alice, only.id);

    expect(fs.existsSync(path.join(directory, callerFileName(alice)))).toBe(false);
    expect(await store.callerIds()).toEqual([bob]);
  });
});
