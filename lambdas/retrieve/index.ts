import { mem0FromEnvironment } from '../shared/aws/mem0-from-environment';
import { SecretsManagerSecrets, retrieveSettings } from '../shared/config';
import { createPowertools } from '../shared/powertools';
import { createRetrieveHandler } from './handler';

const secrets = new SecretsManagerSecrets();

export const handler = createRetrieveHandler({
  secrets,
  memory: mem0FromEnvironment(secrets),
  settings: retrieveSettings(),
  tools: createPowertools('retrieve'),
});
