import {
  BatchCreateMemoryRecordsCommand,
  CreateEventCommand,
  ListEventsCommand,
  ListMemoryRecordsCommand,
  type BedrockAgentCoreClient,
  type CreateEventCommandInput,
} from '@aws-sdk/client-bedrock-agentcore';
import { createAgentCoreClient } from '../../../../lambdas/shared/memory/agentcore-client';
import { startAgentCoreServer, type AgentCoreLoopbackServer } from '../../../support/agentcore-server';

/**
 * The loopback AgentCore server, driven by the real SDK client: it must refuse what AgentCore
 * refuses (the service model's limits), or the adapter's tests against it prove little.
 */

let server: AgentCoreLoopbackServer;
let client: BedrockAgentCoreClient;

beforeEach(async () => {
  server = await startAgentCoreServer({
    extractionLagMs: 30,
    strategies: [{ strategyId: 'facts-0123456789', type: 'SEMANTIC', namespace: '/users/{actorId}/facts/' }],
  });
  client = createAgentCoreClient({
    endpoint: server.url,
    credentials: { accessKeyId: 'AKIDLOOPBACK', secretAccessKey: 'loopback-secret' },
  });
});
afterEach(() => server.close());

function event(overrides: Partial<CreateEventCommandInput> = {}): CreateEventCommandInput {
  return {
    memoryId: server.memoryId,
    actorId: 'actor-1',
    sessionId: 'session-1',
    eventTimestamp: new Date('2026-03-01T10:00:00Z'),
    payload: [{ conversational: { role: 'USER', content: { text: 'I live in Duluth.' } } }],
    ...overrides,
  };
}

async function errorOf(work: Promise<unknown>): Promise<{ name?: string; $metadata?: { httpStatusCode?: number } }> {
  return work.then(
    () => ({ name: 'no error' }),
    (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => error,
  );
}

it('stores an event and answers in the SDK’s shapes (timestamps, unions, metadata)', async () => {
  const created = await client.send(
    new CreateEventCommand(event({ metadata: { 'am.part': { stringValue: '1' } }, clientToken: 'a'.repeat(64) })),
  );
  expect(created.event).toMatchObject({
    actorId: 'actor-1',
    sessionId: 'session-1',
    eventTimestamp: new Date('2026-03-01T10:00:00Z'),
    payload: [{ conversational: { role: 'USER', content: { text: 'I live in Duluth.' } } }],
    metadata: { 'am.part': { stringValue: '1' } },
  });
  expect(created.event?.eventId).toMatch(/^[0-9]+#[a-fA-F0-9]+$/);
  // The same client token: the same event, nothing new.
  const again = await client.send(new CreateEventCommand(event({ clientToken: 'a'.repeat(64) })));
  expect(again.event?.eventId).toBe(created.event?.eventId);
  const listed = await client.send(
    new ListEventsCommand({ memoryId: server.memoryId, actorId: 'actor-1', sessionId: 'session-1' }),
  );
  expect(listed.events).toHaveLength(1);
});

it('refuses what the service model refuses, with a ValidationException', async () => {
  const refusals = [
    event({ actorId: '+15551234567' }),
    event({ actorId: 'a'.repeat(256) }),
    event({ sessionId: 'conv/1' }),
    event({ payload: Array.from({ length: 101 }, () => event().payload?.[0]).filter((p) => p !== undefined) }),
    event({ payload: [{ conversational: { role: 'USER', content: { text: 'x'.repeat(100_001) } } }] }),
    event({ payload: [{ conversational: { role: 'USER', content: { text: '' } } }] }),
    event({ metadata: { 'am.meta.0': { stringValue: 'Zoë' } } }),
    event({
      metadata: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, { stringValue: 'v' }])),
    }),
  ];
  for (const input of refusals) {
    const error = await errorOf(client.send(new CreateEventCommand(input)));
    expect(error.name).toBe('ValidationException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
  }
  const record = (text: string, namespace = '/users/actor-1/notes/') => ({
    requestIdentifier: 'r1',
    namespaces: [namespace],
    content: { text },
    timestamp: new Date(),
  });
  for (const records of [[record('x'.repeat(16_001))], [record('fine', '/users/a b/')]]) {
    const error = await errorOf(
      client.send(new BatchCreateMemoryRecordsCommand({ memoryId: server.memoryId, records })),
    );
    expect(error.name).toBe('ValidationException');
  }
  expect(server.events).toHaveLength(0);
  expect(server.records.size).toBe(0);
});

it('answers ResourceNotFoundException for another memory id', async () => {
  const error = await errorOf(client.send(new CreateEventCommand(event({ memoryId: 'otherMemory-0123456789' }))));
  expect(error.name).toBe('ResourceNotFoundException');
});

it('extracts long-term records from user turns after the configured lag, by namespace template', async () => {
  await client.send(new CreateEventCommand(event()));
  const list = () =>
    client.send(new ListMemoryRecordsCommand({ memoryId: server.memoryId, namespace: '/users/actor-1/' }));
  expect((await list()).memoryRecordSummaries).toEqual([]);
  await server.settle();
  const [record] = (await list()).memoryRecordSummaries ?? [];
  expect(record).toMatchObject({
    content: { text: 'I live in Duluth.' },
    namespaces: ['/users/actor-1/facts/'],
    memoryStrategyId: 'facts-0123456789',
  });
  expect(record.memoryRecordId).toMatch(/^mem-[a-zA-Z0-9-_]{36,46}$/);
  expect(record.createdAt).toBeInstanceOf(Date);
});

it('throttles with a ThrottledException the SDK recognises', async () => {
  server.behave({ mode: 'throttle', times: 1 });
  const error = await errorOf(client.send(new CreateEventCommand(event())));
  expect(error.name).toBe('ThrottledException');
  expect(error.$metadata?.httpStatusCode).toBe(429);
  await expect(client.send(new CreateEventCommand(event()))).resolves.toBeDefined();
});
