import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { demoCall } from '../../lambdas/local/demo-call';
import { AGENTCORE_STRATEGIES, actorIdOf, actorNamespace } from '../../lambdas/shared/memory/agentcore-ids';
import { startAgentCoreServer, type AgentCoreLoopbackServer } from '../support/agentcore-server';
import {
  dynamicVariables,
  memoryToken,
  postCall,
  preCall,
  removeHome,
  request,
  searchWithToken,
  startTestStack,
  tempHome,
  type TestStack,
} from './local-stack-support';

describe('local stack with MEMORY_BACKEND=agentcore', () => {
  let home: string;
  let agentCore: AgentCoreLoopbackServer;
  let test: TestStack;

  beforeAll(async () => {
    home = await tempHome();
    // Extraction lags well behind the call, as on AWS: the next pre-call must know the caller anyway.
    agentCore = await startAgentCoreServer({
      extractionLagMs: 60_000,
      strategies: AGENTCORE_STRATEGIES.map((strategy) => ({
        strategyId: `${strategy.name}-0123456789`,
        type: strategy.type,
        namespace: strategy.namespaces[0],
      })),
    });
    test = await startTestStack(home, {
      env: {
        MEMORY_BACKEND: 'agentcore',
        AGENTCORE_ENDPOINT: agentCore.url,
        AGENTCORE_MEMORY_ID: agentCore.memoryId,
      },
    });
  });
  afterAll(async () => {
    await test.stack.stop();
    await agentCore.close();
    await removeHome(home);
  });

  it('post-call → ingest → pre-call of a returning caller → search, all in AgentCore', async () => {
    const { stack } = test;
    expect(stack.memoryBackend).toBe('agentcore');
    expect((await request(stack.urls.health)).body).toMatchObject({ memory: 'agentcore' });

    const call = demoCall({ callerId: '+12025550163', callerName: 'Aisha Bello' });
    expect((await postCall(stack, JSON.stringify(call.payload))).status).toBe(200);
    await stack.ingestIdle();

    const actorId = actorIdOf(call.callerId);
    expect(agentCore.eventsOf(actorId).length).toBeGreaterThan(0);
    expect(agentCore.eventsOf(actorId)[0].sessionId).toBe(call.conversationId);
    expect(agentCore.recordsUnder(`${actorNamespace(actorId)}factual/${call.conversationId}/`)).toHaveLength(1);
    expect(agentCore.recordsUnder(`${actorNamespace(actorId)}profile/${call.conversationId}/`)).toHaveLength(1);

    const answer = await preCall(stack, call.callerId);
    expect(answer.status).toBe(200);
    const variables = dynamicVariables(answer);
    expect(variables.returning_caller).toBe('yes');
    expect(variables.memory_context).toContain('Aisha');

    const found = await searchWithToken(stack, memoryToken(answer), call.search.query);
    expect(found.status).toBe(200);
    const memories = (found.body.memories as Array<{ memory: string }>).map((m) => m.memory);
    expect(memories.join(' ')).toContain(call.search.expectedWord);

    // Nothing went to the embedded store.
    expect(existsSync(path.join(home, 'memory'))).toBe(false);
  });

  it('a stranger is nobody in AgentCore too', async () => {
    const answer = await preCall(test.stack, '+12025550188');
    expect(dynamicVariables(answer).returning_caller).toBe('no');
  });
});

describe('local stack MEMORY_BACKEND', () => {
  it('refuses an unknown backend by name, and agentcore without its memory id', async () => {
    const home = await tempHome();
    try {
      await expect(startTestStack(home, { env: { MEMORY_BACKEND: 'dynamo' } })).rejects.toThrow(
        'MEMORY_BACKEND must be embedded, mem0 or agentcore; got "dynamo"',
      );
      await expect(startTestStack(home, { env: { MEMORY_BACKEND: 'agentcore' } })).rejects.toThrow(
        'AGENTCORE_MEMORY_ID is not set',
      );
    } finally {
      await removeHome(home);
    }
  });
});
