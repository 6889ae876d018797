import { archiveFromEnvironment } from '../shared/aws/archive-from-environment';
import { ENV, SecretsManagerSecrets } from '../shared/config';
import { SourceAllowList } from '../shared/http';
import { createPowertools } from '../shared/powertools';
import { createPostCallHandler } from './handler';

export const handler = createPostCallHandler({
  secrets: new SecretsManagerSecrets(),
  archive: archiveFromEnvironment(),
  tools: createPowertools('post-call'),
  allowList: SourceAllowList.fromEnvironment(process.env[ENV.allowedSourceIps]),
});
