import { clientDataSettings } from '../lambdas/shared/config';
import { AdminError, EXIT } from './admin-error';
import type { IntegrationSettings } from './deployment';

type Env = Record<string, string | undefined>;

/**
 * What an agent must match, from the environment the deployment's functions read, by the
 * handlers' own reader (so a default here is the handlers' default). The pre-call answer carries
 * the first-message override unless it is switched off, and the prompt override only when a base
 * prompt template is configured and the override is not switched off.
 */
export function integrationFromEnvironment(
  env: Env,
  options: { source: string; downloadsRecordings: boolean },
): IntegrationSettings {
  let settings;
  try {
    settings = clientDataSettings(env);
  } catch (error) {
    throw new AdminError(
      `the deployment's configuration (${options.source}) is ${(error as Error).message}`,
      EXIT.failed,
      {
        cause: error,
      },
    );
  }
  return {
    overrides: {
      firstMessage: settings.overrideFirstMessage,
      prompt: settings.overridePrompt && settings.basePromptTemplate !== undefined,
    },
    downloadsRecordings: options.downloadsRecordings,
    source: options.source,
  };
}
