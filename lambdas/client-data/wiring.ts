import { archiveFromEnvironment } from '../shared/aws/archive-from-environment';
import {
  ENV,
  SecretsManagerSecrets,
  clientDataSettings,
  type ClientDataSettings,
  type Secrets,
} from '../shared/config';
import { SourceAllowList } from '../shared/http';
import type { MemoryStore } from '../shared/memory';
import { createPowertools } from '../shared/powertools';
import { createClientDataHandler } from './handler';

/**
 * The pre-call function as deployed, given where memories live. Each entry (index.ts for Mem0,
 * index-agentcore.ts for AgentCore) passes its own memory store, so no bundle carries both clients.
 */
export function clientDataFunction(memory: (secrets: Secrets, settings: ClientDataSettings) => MemoryStore) {
  const secrets = new SecretsManagerSecrets();
  const settings = clientDataSettings();
  return createClientDataHandler({
    secrets,
    memory: memory(secrets, settings),
    archive: archiveFromEnvironment(),
    settings,
    tools: createPowertools('client-data'),
    allowList: SourceAllowList.fromEnvironment(process.env[ENV.allowedSourceIps]),
  });
}
