import { SecretsManagerSecrets, retrieveSettings, type RetrieveSettings, type Secrets } from '../shared/config';
import type { MemoryStore } from '../shared/memory';
import { createPowertools } from '../shared/powertools';
import { createRetrieveHandler } from './handler';

/**
 * The in-call search function as deployed, given where memories live. Each entry (index.ts for
 * Mem0, index-agentcore.ts for AgentCore) passes its own memory store, so no bundle carries both clients.
 */
export function retrieveFunction(memory: (secrets: Secrets, settings: RetrieveSettings) => MemoryStore) {
  const secrets = new SecretsManagerSecrets();
  const settings = retrieveSettings();
  return createRetrieveHandler({
    secrets,
    memory: memory(secrets, settings),
    settings,
    tools: createPowertools('retrieve'),
  });
}
