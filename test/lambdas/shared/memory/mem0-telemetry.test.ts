import type { CallerId } from '../../../../lambdas/shared/caller';
import { startMem0Server, type Mem0LoopbackServer } from '../../../support/mem0-server';

type Mem0StoreModule = typeof import('../../../../lambdas/shared/memory/mem0-store');

let server: Mem0LoopbackServer;
const previous = process.env.MEM0_TELEMETRY;

beforeEach(async () => {
  server = await startMem0Server();
});

afterEach(async () => {
  process.env.MEM0_TELEMETRY = previous;
  jest.restoreAllMocks();
  await server.close();
});

it('turns mem0ai telemetry off before mem0ai is loaded, so nothing is sent anywhere but Mem0', async () => {
  delete process.env.MEM0_TELEMETRY;
  let telemetryAtLoad: string | undefined = 'not loaded';
  let mem0Store!: Mem0StoreModule;
  jest.isolateModules(() => {
    jest.doMock('mem0ai', () => {
      telemetryAtLoad = process.env.MEM0_TELEMETRY;
      return jest.requireActual('mem0ai');
    });
    // A fresh module registry stands for a cold start in which nothing has set MEM0_TELEMETRY.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mem0Store = require('../../../../lambdas/shared/memory/mem0-store') as Mem0StoreModule;
  });
  const realFetch = globalThis.fetch;
  const elsewhere: string[] = [];
  jest.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.startsWith(server.url)) return realFetch(input, init);
    elsewhere.push(url);
    return Promise.resolve(new Response('{}'));
  });

  const store = new mem0Store.Mem0MemoryStore(async () => mem0Store.mem0Client(server.apiKey, server.url));
  await store.search('+14155550100' as CallerId, 'invoice', { limit: 3 });
  await store.add('+14155550100' as CallerId, { kind: 'text', text: 'Prefers email.', metadata: { type: 'factual' } });
  await new Promise((resolve) => setTimeout(resolve, 200)); // telemetry is fired and forgotten

  expect(telemetryAtLoad).toBe('false');
  expect(elsewhere).toEqual([]);
});
