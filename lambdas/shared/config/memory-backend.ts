import { ENV } from './env-names';

/**
 * Where caller memories live on AWS: Mem0 Cloud (the default) or Amazon Bedrock AgentCore
 * Memory in the deployment's own account. Each function is bundled for one of them (its
 * `index.ts` for Mem0, `index-agentcore.ts` for AgentCore), so that no bundle carries both
 * clients; the construct sets MEMORY_BACKEND to match.
 */
export const MEMORY_BACKENDS = ['mem0', 'agentcore'] as const;
export type MemoryBackend = (typeof MEMORY_BACKENDS)[number];

type Env = Record<string, string | undefined>;

/** MEMORY_BACKEND: mem0 (default) or agentcore. */
export function memoryBackendOf(env: Env = process.env): MemoryBackend {
  const value = env[ENV.memoryBackend]?.trim() || 'mem0';
  if (!(MEMORY_BACKENDS as readonly string[]).includes(value)) {
    throw new Error(`${ENV.memoryBackend} must be one of ${MEMORY_BACKENDS.join(', ')}; got "${value}"`);
  }
  return value as MemoryBackend;
}

/** Refuses to start a function bundled for one backend in an environment configured for the other. */
export function requireMemoryBackend(bundled: MemoryBackend, env: Env = process.env): void {
  const configured = memoryBackendOf(env);
  if (configured !== bundled) {
    throw new Error(
      `this function was bundled for the ${bundled} memory backend, but ${ENV.memoryBackend} is ${configured}: ` +
        'deploy the matching bundle',
    );
  }
}
