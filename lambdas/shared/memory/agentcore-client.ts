import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';

export interface AgentCoreClientOptions {
  /** Default: AWS_REGION. */
  region?: string;
  /** An AgentCore-compatible endpoint instead of AWS's (local stack, tests). */
  endpoint?: string;
  /** Default: the SDK's credential chain (on Lambda, the execution role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/**
 * The AgentCore data-plane client. One attempt per request: retrying is the caller's policy (the
 * ingest worker backs off and the queue redelivers; the pre-call answers without memory rather
 * than wait; erasure and retention retry inside the store), and every request is aborted at its
 * own deadline by the store.
 */
export function createAgentCoreClient(options: AgentCoreClientOptions = {}): BedrockAgentCoreClient {
  return new BedrockAgentCoreClient({
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: 1,
  });
}
