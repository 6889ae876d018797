import { mem0Client } from '../../../../lambdas/shared/memory/mem0-store';
import { startMem0Server, type Mem0LoopbackServer } from '../../../support/mem0-server';

// The loopback Mem0 is only worth its tests if it refuses what the platform refuses and answers
// the routes the real client calls. These drive it with mem0ai's own MemoryClient.

let server: Mem0LoopbackServer;

beforeEach(async () => {
  server = await startMem0Server();
});

afterEach(async () => {
  await server.close();
});

it('requires `Authorization: Token <key>`', async () => {
  const anonymous = await fetch(`${server.url}/v1/ping/`);
  const wrong = await fetch(`${server.url}/v1/ping/`, { headers: { authorization: 'Token nope' } });
  const right = await fetch(`${server.url}/v1/ping/`, { headers: { authorization: `Token ${server.apiKey}` } });

  expect([anonymous.status, wrong.status, right.status]).toEqual([401, 401, 200]);
  expect(await right.json()).toMatchObject({
    status: 'ok',
    org_id: expect.any(String),
    project_id: expect.any(String),
  });
});

it('rejects a camelCase entity id in filters (400), as the platform does', async () => {
  const client = mem0Client(server.apiKey, server.url);

  await expect(client.getAll({ filters: { userId: '+14155550100' } })).rejects.toMatchObject({
    name: 'ValidationError',
    errorCode: 'HTTP_400',
  });
  await expect(client.search('x', { filters: { AND: [{ userId: '+14155550100' }] } })).rejects.toMatchObject({
    errorCode: 'HTTP_400',
  });
  await expect(client.getAll({ filters: { user_id: '+14155550100' }, pageSize: 201 })).rejects.toMatchObject({
    errorCode: 'HTTP_400',
  });
});

it('answers the single-memory, history and event routes the client uses', async () => {
  const client = mem0Client(server.apiKey, server.url);
  const accepted = (await client.add([{ role: 'user', content: 'Likes jazz' }], {
    userId: 'caller-1',
    metadata: { type: 'semantic' },
    infer: false,
  })) as unknown as { eventId: string; status: string };
  expect(accepted.status).toBe('PENDING');

  const event = await fetch(`${server.url}/v1/event/${accepted.eventId}/`, {
    headers: { authorization: `Token ${server.apiKey}` },
  }).then((response) => response.json() as Promise<{ results: Array<{ id: string }> }>);
  expect(event).toMatchObject({ status: 'SUCCEEDED', results: [{ event: 'ADD', data: { memory: 'Likes jazz' } }] });
  const id = event.results[0].id as string;

  expect(await client.get(id)).toMatchObject({
    id,
    memory: 'Likes jazz',
    userId: 'caller-1',
    metadata: { type: 'semantic' },
  });
  await client.update(id, { text: 'Likes jazz and blues' });
  expect((await client.get(id)).memory).toBe('Likes jazz and blues');
  expect((await client.history(id)).map((entry) => entry.event)).toEqual(['ADD', 'UPDATE']);
  await client.delete(id);
  await expect(client.get(id)).rejects.toMatchObject({ name: 'MemoryNotFoundError' });
});

it('pages a list newest first with count, next and previous', async () => {
  for (let i = 1; i <= 3; i++) {
    server.seed({
      userId: 'caller-1',
      memory: `fact ${i}`,
      metadata: { type: 'factual' },
      createdAt: `2026-01-0${i}T00:00:00Z`,
    });
  }
  const client = mem0Client(server.apiKey, server.url);

  const first = await client.getAll({ filters: { user_id: 'caller-1' }, page: 1, pageSize: 2 });
  const second = await client.getAll({ filters: { user_id: 'caller-1' }, page: 2, pageSize: 2 });

  expect(first.count).toBe(3);
  expect(first.results.map((m) => m.memory)).toEqual(['fact 3', 'fact 2']);
  expect(first.next).toContain('page=2');
  expect(first.previous).toBeNull();
  expect(second.results.map((m) => m.memory)).toEqual(['fact 1']);
  expect(second.next).toBeNull();
});

it('misbehaves for a given number of requests, then recovers', async () => {
  const client = mem0Client(server.apiKey, server.url);
  server.behave({ mode: 'status', status: 429, times: 2 });

  await expect(client.getAll({ filters: { user_id: 'a' } })).rejects.toMatchObject({ name: 'RateLimitError' });
  await expect(client.getAll({ filters: { user_id: 'a' } })).rejects.toMatchObject({ name: 'RateLimitError' });
  await expect(client.getAll({ filters: { user_id: 'a' } })).resolves.toMatchObject({ count: 0 });
});

it('closes with a request still hanging, so the test process can exit', async () => {
  server.behave({ mode: 'hang' });
  const hanging = fetch(`${server.url}/v3/memories/`, { method: 'POST', body: '{}' }).catch((error: Error) => error);

  await new Promise((resolve) => setTimeout(resolve, 50));
  await server.close();

  expect(await hanging).toMatchObject({ message: 'fetch failed' });
});
