import { SecretsManagerSecrets, retentionSettings, type Secrets } from '../shared/config';
import type { MemoryStore } from '../shared/memory';
import { createPowertools } from '../shared/powertools';
import { createRetentionHandler } from './handler';

/**
 * The scheduled retention job as deployed, given where memories live. Each entry (index.ts for
 * Mem0, index-agentcore.ts for AgentCore) passes its own memory store, so no bundle carries both clients.
 */
export function retentionFunction(memory: (secrets: Secrets) => MemoryStore) {
  return createRetentionHandler({
    tools: createPowertools('retention'),
    memory: memory(new SecretsManagerSecrets()),
    settings: retentionSettings(),
  });
}
