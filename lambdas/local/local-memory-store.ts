import * as path from 'node:path';
import { agentCoreFromEnvironment } from '../shared/aws/agentcore-from-environment';
import { mem0FromEnvironment } from '../shared/aws/mem0-from-environment';
import { ENV, type Secrets } from '../shared/config';
import type { MemoryStore } from '../shared/memory';
import { EmbeddedMemoryStore } from '../shared/memory/embedded-store';

type Env = Record<string, string | undefined>;

export type LocalMemoryBackend = 'embedded' | 'mem0' | 'agentcore';

/**
 * Where the local stack keeps memories. MEMORY_BACKEND chooses: `agentcore` (an AgentCore
 * Memory: AGENTCORE_MEMORY_ID, and AGENTCORE_ENDPOINT for a local AgentCore-compatible endpoint),
 * `mem0` (Mem0 with MEM0_API_KEY) or `embedded`. Unset, it is Mem0 when MEM0_API_KEY is set and
 * the embedded store otherwise, as it always was.
 */
export function localMemoryBackend(env: Env): LocalMemoryBackend {
  const requested = env[ENV.memoryBackend]?.trim() || undefined;
  if (requested === undefined) return env.MEM0_API_KEY?.trim() ? 'mem0' : 'embedded';
  if (requested === 'embedded' || requested === 'mem0' || requested === 'agentcore') return requested;
  throw new Error(
    `invalid configuration: ${ENV.memoryBackend} must be embedded, mem0 or agentcore; got "${requested}"`,
  );
}

export function localMemoryStore(
  backend: LocalMemoryBackend,
  options: { env: Env; home: string; secrets: Secrets; requestTimeoutMs: number },
): MemoryStore {
  const { env } = options;
  switch (backend) {
    case 'embedded':
      return new EmbeddedMemoryStore({ directory: path.join(options.home, 'memory') });
    case 'mem0':
      if (!env.MEM0_API_KEY?.trim()) {
        throw new Error(`invalid configuration: ${ENV.memoryBackend}=mem0 needs MEM0_API_KEY`);
      }
      return mem0FromEnvironment(options.secrets, env);
    case 'agentcore':
      return agentCoreFromEnvironment({ env, requestTimeoutMs: options.requestTimeoutMs });
  }
}
