import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createAgentCoreClient } from '../../lambdas/shared/memory/agentcore-client';
import { AgentCoreMemoryStore } from '../../lambdas/shared/memory/agentcore-store';
import type { MemoryStore } from '../../lambdas/shared/memory';
import { Mem0MemoryStore, mem0Client } from '../../lambdas/shared/memory/mem0-store';
import type { Deployment } from '../deployment';
import { readConfiguration } from '../deployment-configuration';
import { S3ArchiveAdmin } from '../s3-archive-admin';
import { SecretsManagerAdmin } from './secrets-manager-admin';
import { SqsIngestQueue } from './sqs-ingest-queue';
import { CONFIGURATION_OUTPUTS, stackMemory, stackOutputs, type StackMemory } from './stack-outputs';
import { stackIntegration } from './stack-integration';

export interface AwsDeploymentOptions {
  stackName: string;
  /** Default: the SDK's (AWS_REGION, the profile's region). */
  region?: string;
}

/**
 * A deployed AgenticMemory stack, found by its CloudFormation outputs. Credentials and region come
 * from the SDK's usual chain; endpoints too (AWS_ENDPOINT_URL_<SERVICE> points a client elsewhere,
 * which is how the tests reach loopback servers).
 */
export async function openAwsDeployment(options: AwsDeploymentOptions): Promise<Deployment> {
  const common = { region: options.region, maxAttempts: 3 };
  const cloudformation = new CloudFormationClient(common);
  const clients: Array<{ destroy(): void }> = [cloudformation];
  try {
    const outputs = await stackOutputs(cloudformation, options.stackName);
    const memory = stackMemory(outputs, options.stackName);
    const configuration = readConfiguration(
      {
        memoryScope: outputs[CONFIGURATION_OUTPUTS.memoryScope],
        memoryScopeMap: outputs[CONFIGURATION_OUTPUTS.memoryScopeMap],
        retrieveAuth: outputs[CONFIGURATION_OUTPUTS.retrieveAuth],
      },
      `stack ${options.stackName}: outputs ${Object.values(CONFIGURATION_OUTPUTS).join(', ')}`,
    );
    const region = await cloudformation.config.region();
    // An S3 endpoint of one's own (an S3-compatible server) is addressed path-style, not by bucket
    // host name, and is not trusted to list nested folders as common prefixes.
    const compatibleServer = Boolean(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL);
    const s3 = new S3Client({ ...common, forcePathStyle: compatibleServer });
    const sqs = new SQSClient(common);
    const cloudwatch = new CloudWatchClient(common);
    const secretsManager = new SecretsManagerClient(common);
    clients.push(s3, sqs, cloudwatch, secretsManager);
    const secrets = new SecretsManagerAdmin(secretsManager, outputs, region);
    return {
      description: `stack ${options.stackName} (${region})`,
      name: options.stackName,
      memory: memoryStore(memory, secrets, region, clients),
      archive: new S3ArchiveAdmin(s3, outputs.ArchiveBucketName, {
        versioned: true,
        commonPrefixes: !compatibleServer,
      }),
      queue: new SqsIngestQueue(sqs, cloudwatch, {
        queueUrl: outputs.IngestQueueUrl,
        deadLetterQueueUrl: outputs.IngestDeadLetterQueueUrl,
        bucket: outputs.ArchiveBucketName,
        region,
      }),
      endpoints: {
        clientData: outputs.ClientDataApiUrl,
        retrieve: outputs.RetrieveApiUrl,
        postCall: outputs.PostCallApiUrl,
      },
      configuration,
      endpointKeys: () => secrets.endpointKeys(),
      secrets,
      integration: () =>
        stackIntegration(cloudformation, options.stackName, Boolean(outputs.ElevenLabsApiKeySecretName)),
      quiesce: async () => undefined,
      async close() {
        for (const client of clients) client.destroy();
      },
    };
  } catch (error) {
    for (const client of clients) client.destroy();
    throw error;
  }
}

/**
 * The stack's memory store: Mem0 with the API key from the stack's secret, or its AgentCore
 * memory with the operator's credentials (AWS_ENDPOINT_URL_BEDROCK_AGENTCORE points it elsewhere).
 */
function memoryStore(
  memory: StackMemory,
  secrets: SecretsManagerAdmin,
  region: string,
  clients: Array<{ destroy(): void }>,
): MemoryStore {
  if (memory.backend === 'agentcore') {
    const client = createAgentCoreClient({ region });
    clients.push(client);
    return new AgentCoreMemoryStore({ client, memoryId: memory.memoryId });
  }
  return new Mem0MemoryStore(async () => mem0Client(await secrets.value(memory.apiKeySecretName), memory.host));
}
