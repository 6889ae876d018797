import { archiveFromEnvironment } from '../shared/aws/wiring';
import { SecretsManagerSecrets } from '../shared/config';
import { createPowertools } from '../shared/powertools';
import { createPostCallHandler } from './handler';

export const handler = createPostCallHandler({
  secrets: new SecretsManagerSecrets(),
  archive: archiveFromEnvironment(),
  tools: createPowertools('post-call'),
});
