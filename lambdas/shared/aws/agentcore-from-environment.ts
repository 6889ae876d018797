import { ENV } from '../config/env-names';
import { requireMemoryBackend } from '../config/memory-backend';
import { requiredEnv } from '../config/settings';
import { createAgentCoreClient, type AgentCoreClientOptions } from '../memory/agentcore-client';
import { AgentCoreMemoryStore } from '../memory/agentcore-store';

type Env = Record<string, string | undefined>;

/**
 * Amazon Bedrock AgentCore Memory, from the function's environment: AGENTCORE_MEMORY_ID (the
 * memory resource), AGENTCORE_ENDPOINT (an AgentCore-compatible endpoint instead of AWS's:
 * local stack and tests only). Built once per cold start; refuses to start unless
 * MEMORY_BACKEND is agentcore. Each request is aborted after `requestTimeoutMs`: the function's
 * own memory deadline, so no request outlives the handler that waits for it.
 */
export function agentCoreFromEnvironment(options: { requestTimeoutMs?: number; env?: Env } = {}): AgentCoreMemoryStore {
  const env = options.env ?? process.env;
  requireMemoryBackend('agentcore', env);
  const endpoint = env[ENV.agentCoreEndpoint]?.trim() || undefined;
  return new AgentCoreMemoryStore({
    client: createAgentCoreClient({
      region: env.AWS_REGION,
      endpoint,
      credentials: endpoint === undefined ? undefined : endpointCredentials(endpoint, env),
    }),
    memoryId: requiredEnv(ENV.agentCoreMemoryId, env),
    requestTimeoutMs: options.requestTimeoutMs,
  });
}

/** Signs requests to a loopback endpoint, which checks no signature, when no AWS credentials are at hand. */
const LOOPBACK_CREDENTIALS = { accessKeyId: 'agentic-memory-loopback', secretAccessKey: 'agentic-memory-loopback' };

/**
 * An endpoint override signs with the credentials of the configuration it came with, else the
 * SDK's chain; a loopback endpoint with neither signs with fixed loopback credentials, so that
 * `npm start` against a local AgentCore-compatible endpoint needs no AWS account.
 */
function endpointCredentials(endpoint: string, env: Env): AgentCoreClientOptions['credentials'] {
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  if (accessKeyId && secretAccessKey) {
    return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
  }
  if (isLoopback(endpoint) && !process.env.AWS_ACCESS_KEY_ID) return LOOPBACK_CREDENTIALS;
  return undefined;
}

function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}
