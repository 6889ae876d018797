import { agentCoreFromEnvironment } from '../shared/aws/agentcore-from-environment';
import { ingestFunction } from './wiring';

/** The ingest worker with Amazon Bedrock AgentCore Memory: every request aborted at the memory-write deadline. */
export const handler = ingestFunction((_secrets, settings) =>
  agentCoreFromEnvironment({ requestTimeoutMs: settings.memoryWriteDeadlineMs }),
);
