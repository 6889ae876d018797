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
