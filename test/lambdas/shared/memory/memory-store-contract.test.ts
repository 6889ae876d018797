import { AGENTCORE_STRATEGIES } from '../../../../lambdas/shared/memory/agentcore-ids';
import { createAgentCoreClient } from '../../../../lambdas/shared/memory/agentcore-client';
import { AgentCoreMemoryStore } from '../../../../lambdas/shared/memory/agentcore-store';
import { EmbeddedMemoryStore } from '../../../../lambdas/shared/memory/embedded-store';
import { Mem0MemoryStore, mem0Client } from '../../../../lambdas/shared/memory/mem0-store';
import { startAgentCoreServer } from '../../../support/agentcore-server';
import { startMem0Server } from '../../../support/mem0-server';
import { memoryStoreContract } from './memory-store-contract';

memoryStoreContract(
  'Mem0 (mem0ai client, loopback Mem0 server)',
  async () => {
    const server = await startMem0Server();
    return {
      store: new Mem0MemoryStore(async () => mem0Client(server.apiKey, server.url)),
      settle: async () => undefined,
      faults: {
        throttle: () => server.behave({ mode: 'status', status: 429 }),
        serverError: () => server.behave({ mode: 'status', status: 503 }),
        badRequest: () => server.behave({ mode: 'status', status: 400 }),
        hang: () => server.behave({ mode: 'hang' }),
        normal: () => server.behave({ mode: 'normal' }),
      },
      close: () => server.close(),
    };
  },
  // Mem0 deletes by memory id alone; the ingest worker's idempotency records keep writes single.
  { idempotentAdd: false, deleteMemoryScopedToCaller: true, remote: true },
);

memoryStoreContract(
  'embedded store',
  async () => ({ store: new EmbeddedMemoryStore(), settle: async () => undefined, close: async () => undefined }),
  { idempotentAdd: false, deleteMemoryScopedToCaller: true, remote: false },
);

memoryStoreContract(
  'AgentCore (AgentCore client, loopback AgentCore server with lagging extraction)',
  async () => {
    const server = await startAgentCoreServer({
      extractionLagMs: 20,
      strategies: AGENTCORE_STRATEGIES.map((strategy) => ({
        strategyId: `${strategy.name}-0123456789`,
        type: strategy.type,
        namespace: strategy.namespaces[0],
      })),
    });
    const client = createAgentCoreClient({
      endpoint: server.url,
      credentials: { accessKeyId: 'AKIDLOOPBACK', secretAccessKey: 'loopback-secret' },
    });
    return {
      store: new AgentCoreMemoryStore({ client, memoryId: server.memoryId, requestTimeoutMs: 5000 }),
      settle: () => server.settle(),
      faults: {
        throttle: () => server.behave({ mode: 'throttle' }),
        serverError: () => server.behave({ mode: 'status', status: 500, errorType: 'ServiceException' }),
        badRequest: () => server.behave({ mode: 'status', status: 400, errorType: 'ValidationException' }),
        hang: () => server.behave({ mode: 'hang' }),
        normal: () => server.behave({ mode: 'normal' }),
      },
      close: () => server.close(),
    };
  },
  { idempotentAdd: true, deleteMemoryScopedToCaller: true, remote: true },
);
