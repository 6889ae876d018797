import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { archiveFromEnvironment } from '../shared/aws/archive-from-environment';
import { mem0FromEnvironment } from '../shared/aws/mem0-from-environment';
import { ENV, SecretsManagerSecrets, ingestSettings, requiredEnv } from '../shared/config';
import { createPowertools } from '../shared/powertools';
import { createIngestHandler } from './handler';
import { idempotentWrites } from './idempotency';
import { createPayloadIngester } from './ingest-archived-payload';
import { recordingsFromEnvironment } from './recordings-from-environment';

const tools = createPowertools('ingest');
const secrets = new SecretsManagerSecrets();
const settings = ingestSettings();

export const handler = createIngestHandler({
  tools,
  ingestArchivedPayload: createPayloadIngester({
    archive: archiveFromEnvironment(),
    memory: mem0FromEnvironment(secrets),
    tools,
    memoryWriteDeadlineMs: settings.memoryWriteDeadlineMs,
    memoryScope: settings.memoryScope,
    idempotency: idempotentWrites(new DynamoDBPersistenceLayer({ tableName: requiredEnv(ENV.idempotencyTable) })),
    recordings: recordingsFromEnvironment(secrets),
  }),
});
