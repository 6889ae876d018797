import { randomUUID } from 'node:crypto';
import { ENV, type MemoryBackendName } from '../lib/contract';
import { createAgentCoreClient } from '../lambdas/shared/memory/agentcore-client';
import { AgentCoreMemoryStore } from '../lambdas/shared/memory/agentcore-store';
import { startAgentCoreServer, type AgentCoreLoopbackServer } from '../test/support/agentcore-server';
import { startLocalDynamoDB, type LocalDynamoDB } from '../test/support/dynamodb';
import { startMem0Server, type Mem0LoopbackServer } from '../test/support/mem0-server';
import { S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from '../test/support/s3';
import { SecretsManagerLoopback } from '../test/support/secrets-manager-server';
import { TEST_WEBHOOK_SECRET } from '../test/support/signing';
import type { LoopbackEndpoints } from './construct-environment';

/** The secrets the functions read, as the loopback Secrets Manager holds them. */
export interface BenchSecrets {
  mem0ApiKey: string;
  workspaceKey: string;
  retrieveApiKey: string;
  hmacKey: string;
  /** Signs the per-call memory tokens the pre-call mints (client-data) and search checks (retrieve). */
  memoryTokenKey: string;
}

/**
 * The remote peers of the functions, all real protocol servers on 127.0.0.1 (the test bed's):
 * Mem0's routes, the AgentCore Memory data plane, s3rver, Secrets Manager, dynalite. Ingest gets
 * a Mem0 server and an AgentCore server of its own, so the memories it writes never change what
 * the pre-call and search benchmarks read. The AgentCore servers run no extraction: on AWS it
 * happens after the call, off every function's path.
 */
export class Peers {
  private constructor(
    readonly mem0: Mem0LoopbackServer,
    readonly ingestMem0: Mem0LoopbackServer,
    readonly agentCore: AgentCoreLoopbackServer,
    readonly ingestAgentCore: AgentCoreLoopbackServer,
    readonly s3: LocalS3,
    readonly secretsManager: SecretsManagerLoopback,
    readonly dynamodb: LocalDynamoDB,
    /** One per backend, as each deployment has its own: the two ingest benchmarks write the same conversations. */
    readonly idempotencyTables: Record<MemoryBackendName, string>,
    readonly secrets: BenchSecrets,
    private readonly housekeeping: NodeJS.Timeout,
  ) {}

  static async start(): Promise<Peers> {
    const apiKey = `m0-bench-${randomUUID()}`;
    const secrets: BenchSecrets = {
      mem0ApiKey: apiKey,
      workspaceKey: `wk_bench_${randomUUID()}`,
      retrieveApiKey: `rk_bench_${randomUUID()}`,
      hmacKey: TEST_WEBHOOK_SECRET,
      memoryTokenKey: `mtk_bench_${randomUUID()}`,
    };
    const [mem0, ingestMem0, agentCore, ingestAgentCore, s3, dynamodb, secretsManager] = await Promise.all([
      startMem0Server({ apiKey }),
      startMem0Server({ apiKey }),
      startAgentCoreServer(),
      startAgentCoreServer(),
      startLocalS3(),
      startLocalDynamoDB(),
      SecretsManagerLoopback.start(
        Object.fromEntries(Object.entries(SECRET_IDS).map(([variable, id]) => [id, secrets[SECRET_OF[variable]]])),
      ),
    ]);
    const tables = { mem0: 'agentic-memory-idempotency', agentcore: 'agentic-memory-idempotency-agentcore' };
    for (const table of Object.values(tables)) await dynamodb.createIdempotencyTable(table);
    // The servers record every request for the tests' assertions; a benchmark makes thousands.
    const housekeeping = setInterval(() => {
      mem0.requests.length = 0;
      ingestMem0.requests.length = 0;
      agentCore.requests.length = 0;
      ingestAgentCore.requests.length = 0;
      secretsManager.requests.length = 0;
    }, 1000);
    return new Peers(
      mem0,
      ingestMem0,
      agentCore,
      ingestAgentCore,
      s3,
      secretsManager,
      dynamodb,
      tables,
      secrets,
      housekeeping,
    );
  }

  /** The AgentCore adapter on the (read) AgentCore server, with the real client: what seeds its callers. */
  agentCoreStore(): AgentCoreMemoryStore {
    return new AgentCoreMemoryStore({
      client: createAgentCoreClient({ endpoint: this.agentCore.url, credentials: S3RVER_CREDENTIALS }),
      memoryId: this.agentCore.memoryId,
    });
  }

  /** The loopback endpoints a function's environment points at. */
  endpoints(options: { ingest: boolean; backend: MemoryBackendName }): LoopbackEndpoints {
    const agentCore = options.ingest ? this.ingestAgentCore : this.agentCore;
    return {
      mem0Url: options.ingest ? this.ingestMem0.url : this.mem0.url,
      agentCore: { endpoint: agentCore.url, memoryId: agentCore.memoryId },
      s3Endpoint: this.s3.endpoint,
      bucket: this.s3.bucket,
      secretsManagerEndpoint: this.secretsManager.endpoint,
      dynamoDbEndpoint: this.dynamodb.endpoint,
      idempotencyTable: this.idempotencyTables[options.backend],
      secretIds: SECRET_IDS,
      credentials: S3RVER_CREDENTIALS,
    };
  }

  async stop(): Promise<void> {
    clearInterval(this.housekeeping);
    await Promise.all([
      this.mem0.close(),
      this.ingestMem0.close(),
      this.agentCore.close(),
      this.ingestAgentCore.close(),
      this.s3.close(),
      this.dynamodb.close(),
      this.secretsManager.close(),
    ]);
  }
}

const SECRET_IDS: Record<string, string> = {
  [ENV.mem0ApiKeySecretId]: 'agentic-memory/mem0-api-key',
  [ENV.workspaceKeySecretId]: 'agentic-memory/workspace-key',
  [ENV.retrieveApiKeySecretId]: 'agentic-memory/retrieve-api-key',
  [ENV.hmacKeySecretId]: 'agentic-memory/elevenlabs-hmac-key',
  [ENV.memoryTokenKeySecretId]: 'agentic-memory/memory-token-key',
};

const SECRET_OF: Record<string, keyof BenchSecrets> = {
  [ENV.mem0ApiKeySecretId]: 'mem0ApiKey',
  [ENV.workspaceKeySecretId]: 'workspaceKey',
  [ENV.retrieveApiKeySecretId]: 'retrieveApiKey',
  [ENV.hmacKeySecretId]: 'hmacKey',
  [ENV.memoryTokenKeySecretId]: 'memoryTokenKey',
};
