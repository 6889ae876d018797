import { archiveFromEnvironment } from '../shared/aws/archive-from-environment';
import { mem0FromEnvironment } from '../shared/aws/mem0-from-environment';
import { ENV, SecretsManagerSecrets, clientDataSettings } from '../shared/config';
import { SourceAllowList } from '../shared/http';
import { createPowertools } from '../shared/powertools';
import { createClientDataHandler } from './handler';

const secrets = new SecretsManagerSecrets();

export const handler = createClientDataHandler({
  secrets,
  memory: mem0FromEnvironment(secrets),
  archive: archiveFromEnvironment(),
  settings: clientDataSettings(),
  tools: createPowertools('client-data'),
  allowList: SourceAllowList.fromEnvironment(process.env[ENV.allowedSourceIps]),
});
