import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ScheduledEvent } from 'aws-lambda';
import { createRetentionHandler } from '../../../lambdas/retention/handler';
import { scopedIdentity, type CallerId } from '../../../lambdas/shared/caller';
import { retentionSettings } from '../../../lambdas/shared/config';
import { EmbeddedMemoryStore } from '../../../lambdas/shared/memory/embedded-store';
import { Mem0MemoryStore, mem0Client } from '../../../lambdas/shared/memory/mem0-store';
import { createPowertools } from '../../../lambdas/shared/powertools';
import { lambdaContext } from '../../support/http-event';
import { startMem0Server, type Mem0LoopbackServer } from '../../support/mem0-server';

const NOW = new Date('2026-11-21T03:17:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 24 * 3600 * 1000).toISOString();
const scheduled = {} as ScheduledEvent;
const alice = '+14155550100' as CallerId;
const bob = '+14155550199' as CallerId;

describe('retention job against Mem0 (loopback server, real mem0ai client)', () => {
  let server: Mem0LoopbackServer;
  beforeEach(async () => {
    server = await startMem0Server();
  });
  afterEach(() => server.close());

  const handler = () =>
    createRetentionHandler({
      memory: new Mem0MemoryStore(async () => mem0Client(server.apiKey, server.url)),
      settings: retentionSettings({ MEMORY_MAX_AGE_DAYS: '90' }),
      tools: createPowertools('retention'),
      now: () => NOW,
    });

  it("erases every caller's memories older than the maximum age, and only those", async () => {
    server.seed({ userId: alice, memory: 'old alice', metadata: { type: 'factual' }, createdAt: daysAgo(91) });
    server.seed({ userId: alice, memory: 'recent alice', metadata: { type: 'factual' }, createdAt: daysAgo(89) });
    server.seed({ userId: bob, memory: 'old bob', metadata: { type: 'profile' }, createdAt: daysAgo(400) });

    const report = await handler()(scheduled, lambdaContext('retention', { timeoutMs: 900_000 }));

    expect(report).toEqual({ callers: 2, memoriesExamined: 3, memoriesErased: 2, callersFailed: 0, complete: true });
    expect(server.memoriesOf(alice).map((memory) => memory.memory)).toEqual(['recent alice']);
    expect(server.memoriesOf(bob)).toEqual([]);
    const deletes = server.requests.filter((request) => request.method === 'DELETE').map((request) => request.path);
    expect(deletes).toHaveLength(2);
    expect(deletes.every((p) => /^\/v1\/memories\/[^/]+\/$/.test(p))).toBe(true);
  });

  it('fails the run (so the alarm fires) when Mem0 fails', async () => {
    server.seed({ userId: alice, memory: 'old alice', metadata: { type: 'factual' }, createdAt: daysAgo(91) });
    server.behave({ mode: 'status', status: 503 });
    const silenced = jest.spyOn(console, 'error').mockImplementation();
    try {
      await expect(handler()(scheduled, lambdaContext('retention', { timeoutMs: 900_000 }))).rejects.toThrow(
        /HTTP 503/,
      );
    } finally {
      silenced.mockRestore();
    }
  });

  it('stops taking callers when the invocation is about to time out; the next run carries on', async () => {
    server.seed({ userId: alice, memory: 'old alice', metadata: { type: 'factual' }, createdAt: daysAgo(91) });
    const report = await handler()(scheduled, lambdaContext('retention', { timeoutMs: 30_000 }));
    expect(report).toMatchObject({ callers: 0, complete: false });
    expect(server.memoriesOf(alice)).toHaveLength(1);
  });
});

describe('retention job in a deployment that keeps memory per agent (scoped identities)', () => {
  const clinicA = scopedIdentity('clinic-a', alice);
  const clinicB = scopedIdentity('clinic-b', alice);

  it('against Mem0: examines each scope of a caller apart, and erases only its old memories', async () => {
    const server = await startMem0Server();
    try {
      server.seed({
        userId: clinicA,
        memory: 'old at clinic a',
        metadata: { type: 'factual' },
        createdAt: daysAgo(120),
      });
      server.seed({
        userId: clinicA,
        memory: 'recent at clinic a',
        metadata: { type: 'factual' },
        createdAt: daysAgo(3),
      });
      server.seed({
        userId: clinicB,
        memory: 'old at clinic b',
        metadata: { type: 'profile' },
        createdAt: daysAgo(95),
      });
      server.seed({
        userId: alice,
        memory: 'recent, every agent',
        metadata: { type: 'factual' },
        createdAt: daysAgo(1),
      });

      const report = await createRetentionHandler({
        memory: new Mem0MemoryStore(async () => mem0Client(server.apiKey, server.url)),
        settings: { memoryMaxAgeDays: 90 },
        tools: createPowertools('retention'),
        now: () => NOW,
      })(scheduled, lambdaContext('retention', { timeoutMs: 900_000 }));

      expect(report).toEqual({ callers: 3, memoriesExamined: 4, memoriesErased: 2, callersFailed: 0, complete: true });
      expect(server.memoriesOf(clinicA).map((memory) => memory.memory)).toEqual(['recent at clinic a']);
      expect(server.memoriesOf(clinicB)).toEqual([]);
      expect(server.memoriesOf(alice).map((memory) => memory.memory)).toEqual(['recent, every agent']);
    } finally {
      await server.close();
    }
  });

  it("against the embedded store: erases old memories from each scope's file", async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'retention-'));
    try {
      const store = new EmbeddedMemoryStore({ directory });
      await store.add(clinicA, { kind: 'text', text: 'a fact said at clinic a', metadata: { type: 'factual' } });
      await store.add(clinicB, { kind: 'text', text: 'a fact said at clinic b', metadata: { type: 'factual' } });
      expect((await store.callerIds()).sort()).toEqual([clinicA, clinicB]);

      const report = await createRetentionHandler({
        memory: store,
        settings: { memoryMaxAgeDays: 1 },
        tools: createPowertools('retention'),
        now: () => new Date(Date.now() + 2 * 24 * 3600 * 1000),
      })(scheduled, lambdaContext('retention', { timeoutMs: 900_000 }));

      expect(report).toMatchObject({ callers: 2, memoriesErased: 2 });
      expect(await store.callerIds()).toEqual([]);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('retention job against the embedded store', () => {
  it("erases old memories from the callers' files", async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'retention-'));
    try {
      const store = new EmbeddedMemoryStore({ directory });
      await store.add(alice, { kind: 'text', text: 'a fact to keep for now', metadata: { type: 'factual' } });
      const run = createRetentionHandler({
        memory: store,
        settings: { memoryMaxAgeDays: 1 },
        tools: createPowertools('retention'),
        now: () => new Date(Date.now() + 2 * 24 * 3600 * 1000),
      });
      expect(await run(scheduled, lambdaContext('retention', { timeoutMs: 900_000 }))).toMatchObject({
        memoriesErased: 1,
      });
      expect(await store.callerIds()).toEqual([]);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('retention job when one caller fails', () => {
  it('erases the others, then fails the run', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'retention-'));
    try {
      const store = new EmbeddedMemoryStore({ directory });
      await store.add(alice, { kind: 'text', text: 'alice fact', metadata: { type: 'factual' } });
      await store.add(bob, { kind: 'text', text: 'bob fact', metadata: { type: 'factual' } });
      // Alice's memories cannot be listed (a broken record at the provider, say).
      const failingForAlice = Object.assign(Object.create(store) as EmbeddedMemoryStore, {
        listAll: (callerId: CallerId) =>
          callerId === alice ? Promise.reject(new Error('unreadable')) : store.listAll(callerId),
      });
      const run = createRetentionHandler({
        memory: failingForAlice,
        settings: { memoryMaxAgeDays: 1 },
        tools: createPowertools('retention'),
        now: () => new Date(Date.now() + 2 * 24 * 3600 * 1000),
      });
      await expect(run(scheduled, lambdaContext('retention', { timeoutMs: 900_000 }))).rejects.toThrow(
        /failed for 1 caller/,
      );
      expect(await store.callerIds()).toEqual([alice]);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('retention settings', () => {
  it('need a whole number of days from 1', () => {
    expect(retentionSettings({ MEMORY_MAX_AGE_DAYS: '30' })).toEqual({ memoryMaxAgeDays: 30 });
    expect(() => retentionSettings({})).toThrow(/MEMORY_MAX_AGE_DAYS is not set/);
    expect(() => retentionSettings({ MEMORY_MAX_AGE_DAYS: '0' })).toThrow(/invalid configuration/);
    expect(() => retentionSettings({ MEMORY_MAX_AGE_DAYS: '1.5' })).toThrow(/invalid configuration/);
  });
});
