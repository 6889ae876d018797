import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { archiveFromEnvironment } from '../shared/aws/archive-from-environment';
import {
  ENV,
  SecretsManagerSecrets,
  ingestSettings,
  requiredEnv,
  type IngestSettings,
  type Secrets,
} from '../shared/config';
import type { MemoryStore } from '../shared/memory';
import { createPowertools } from '../shared/powertools';
import { createIngestHandler } from './handler';
import { idempotentWrites } from './idempotency';
import { createPayloadIngester } from './ingest-archived-payload';
import { recordingsFromEnvironment } from './recordings-from-environment';

/**
 * The ingest worker as deployed, given where memories live. Each entry (index.ts for Mem0,
 * index-agentcore.ts for AgentCore) passes its own memory store, so no bundle carries both clients.
 */
export function ingestFunction(memory: (secrets: Secrets, settings: IngestSettings) => MemoryStore) {
  const tools = createPowertools('ingest');
  const secrets = new SecretsManagerSecrets();
  const settings = ingestSettings();
  return createIngestHandler({
    tools,
    ingestArchivedPayload: createPayloadIngester({
      archive: archiveFromEnvironment(),
      memory: memory(secrets, settings),
      tools,
      memoryWriteDeadlineMs: settings.memoryWriteDeadlineMs,
      memoryScope: settings.memoryScope,
      idempotency: idempotentWrites(new DynamoDBPersistenceLayer({ tableName: requiredEnv(ENV.idempotencyTable) })),
      recordings: recordingsFromEnvironment(secrets),
    }),
  });
}
