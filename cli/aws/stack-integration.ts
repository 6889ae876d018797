import { GetTemplateCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { IntegrationSettings } from '../deployment';
import { integrationFromEnvironment } from '../deployment-integration';

/**
 * What an agent must match in a deployed stack, read from its template: the pre-call function's
 * override settings are literal environment variables there. Without access to the template the
 * handlers' defaults are assumed, and `source` says so.
 */
export async function stackIntegration(
  cloudformation: CloudFormationClient,
  stackName: string,
  downloadsRecordings: boolean,
): Promise<IntegrationSettings> {
  let env: Record<string, string>;
  try {
    const answer = await cloudformation.send(new GetTemplateCommand({ StackName: stackName }));
    env = functionEnvironment(JSON.parse(answer.TemplateBody ?? '{}'));
  } catch (error) {
    return integrationFromEnvironment(
      {},
      {
        source: `defaults: the template of stack ${stackName} could not be read (${(error as Error).name}: ${(error as Error).message})`,
        downloadsRecordings,
      },
    );
  }
  return integrationFromEnvironment(env, {
    source: `the function environments in the template of stack ${stackName}`,
    downloadsRecordings,
  });
}

/** Every literal environment variable of the template's Lambda functions, first one wins. */
export function functionEnvironment(template: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  const resources = (template as { Resources?: Record<string, unknown> } | null)?.Resources ?? {};
  for (const resource of Object.values(resources)) {
    const { Type, Properties } = (resource ?? {}) as { Type?: string; Properties?: Record<string, unknown> };
    if (Type !== 'AWS::Lambda::Function') continue;
    const variables = (Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    for (const [name, value] of Object.entries(variables ?? {})) {
      if (typeof value === 'string' && !(name in env)) env[name] = value;
    }
  }
  return env;
}
