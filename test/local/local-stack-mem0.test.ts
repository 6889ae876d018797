import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { demoCall } from '../../lambdas/local/demo-call';
import { startMem0Server, type Mem0LoopbackServer } from '../support/mem0-server';
import { postCall, removeHome, request, startTestStack, tempHome, type TestStack } from './local-stack-support';

describe('local stack with MEM0_API_KEY set', () => {
  let home: string;
  let mem0: Mem0LoopbackServer;
  let test: TestStack;

  beforeAll(async () => {
    home = await tempHome();
    mem0 = await startMem0Server();
    test = await startTestStack(home, { env: { MEM0_API_KEY: mem0.apiKey, MEM0_HOST: mem0.url } });
  });
  afterAll(async () => {
    await test.stack.stop();
    await mem0.close();
    await removeHome(home);
  });

  it('remembers in Mem0 instead of the embedded store', async () => {
    const { stack } = test;
    expect(stack.memoryBackend).toBe('mem0');
    expect((await request(stack.urls.health)).body).toMatchObject({ memory: 'mem0' });

    const call = demoCall({ callerId: '+12025550163', callerName: 'Aisha Bello' });
    expect((await postCall(stack, JSON.stringify(call.payload))).status).toBe(200);
    await stack.ingestIdle();

    expect(mem0.memoriesOf(call.callerId).length).toBeGreaterThan(0);
    expect(mem0.requests.every((r) => r.headers.authorization === `Token ${mem0.apiKey}`)).toBe(true);
    expect(existsSync(path.join(home, 'memory'))).toBe(false);
  });
});

describe('local stack on Mem0 when the first ping fails (Mem0 unreachable as the stack starts)', () => {
  let home: string;
  let mem0: Mem0LoopbackServer;
  let test: TestStack;

  beforeAll(async () => {
    home = await tempHome();
    // Its own server: mem0ai clients are kept per host and key, this one has never pinged.
    mem0 = await startMem0Server();
    mem0.behave({ mode: 'status', status: 503, includePing: true, times: 1 });
    test = await startTestStack(home, { env: { MEM0_API_KEY: mem0.apiKey, MEM0_HOST: mem0.url } });
  });
  afterAll(async () => {
    await test.stack.stop();
    await mem0.close();
    await removeHome(home);
  });

  it("remembers every call without mem0ai's telemetry warning on each one, telemetry staying off", async () => {
    const warned = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    // mem0ai sends its telemetry with the global fetch, as it does its API calls.
    const fetched = jest.spyOn(globalThis, 'fetch');
    try {
      const calls = [
        demoCall({ callerId: '+12025550171', callerName: 'Aisha Bello' }),
        demoCall({ callerId: '+12025550172', callerName: 'Henrik Larsen' }),
      ];
      for (const call of calls) {
        expect((await postCall(test.stack, JSON.stringify(call.payload))).status).toBe(200);
        await test.stack.ingestIdle();
      }

      expect(mem0.requests.filter((r) => r.path === '/v1/ping/')).toHaveLength(1);
      for (const call of calls) expect(mem0.memoriesOf(call.callerId).length).toBeGreaterThan(0);
      const lines = [...warned.mock.calls, ...printed.mock.calls].map((args) => args.map(String).join(' '));
      expect(lines.filter((line) => line.includes('No telemetry ID found'))).toEqual([]);
      // The test's own requests to the stack and mem0ai's to the loopback Mem0: nothing else.
      const hosts = new Set(fetched.mock.calls.map(([url]) => new URL(String(url)).origin));
      expect([...hosts].sort()).toEqual([mem0.url, test.stack.url].sort());
    } finally {
      warned.mockRestore();
      printed.mockRestore();
      fetched.mockRestore();
    }
  });
});
