import { mem0FromEnvironment } from '../shared/aws/mem0-from-environment';
import { SecretsManagerSecrets, retentionSettings } from '../shared/config';
import { createPowertools } from '../shared/powertools';
import { createRetentionHandler } from './handler';

const tools = createPowertools('retention');

export const handler = createRetentionHandler({
  tools,
  memory: mem0FromEnvironment(new SecretsManagerSecrets()),
  settings: retentionSettings(),
});
