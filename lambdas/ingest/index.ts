import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { archiveFromEnvironment, mem0FromEnvironment } from '../shared/aws/wiring';
import { ENV, SecretsManagerSecrets, ingestSettings, requiredEnv } from '../shared/config';
import { createPowertools } from '../shared/powertools';
import { createIngestHandler } from './handler';
import { idempotentWrites } from './idempotency';
import { createPayloadIngester } from './ingest-archived-payload';

const tools = createPowertools('ingest');

export const handler = createIngestHandler({
  tools,
  ingestArchivedPayload: createPayloadIngester({
    archive: archiveFromEnvironment(),
    memory: mem0FromEnvironment(new SecretsManagerSecrets()),
    tools,
    memoryWriteDeadlineMs: ingestSettings().memoryWriteDeadlineMs,
    idempotency: idempotentWrites(new DynamoDBPersistenceLayer({ tableName: requiredEnv(ENV.idempotencyTable) })),
  }),
});
