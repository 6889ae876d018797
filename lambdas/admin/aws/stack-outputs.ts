import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { AdminError, EXIT, notFound } from '../admin-error';

/** The outputs an AgenticMemory stack (lib/agentic-memory-stack.ts) declares, by name. */
export const REQUIRED_OUTPUTS = [
  'ClientDataApiUrl',
  'RetrieveApiUrl',
  'PostCallApiUrl',
  'ArchiveBucketName',
  'IngestQueueUrl',
  'IngestDeadLetterQueueUrl',
  'Mem0ApiKeySecretName',
  'HmacKeySecretName',
  'WorkspaceKeySecretName',
  'RetrieveApiKeySecretName',
  'MemoryTokenKeySecretName',
] as const;
export type RequiredOutput = (typeof REQUIRED_OUTPUTS)[number];

/**
 * Outputs that state the functions' configuration where the admin tools depend on it; a stack
 * without one runs the default (memory scope `deployment`, no scope map, search auth `token-or-key`).
 */
export const CONFIGURATION_OUTPUTS = {
  memoryScope: 'MemoryScope',
  memoryScopeMap: 'MemoryScopeMap',
  retrieveAuth: 'RetrieveAuth',
} as const;
export type StackOutputs = Record<RequiredOutput, string> & Record<string, string | undefined>;

/** The stack's outputs, from CloudFormation DescribeStacks. */
export async function stackOutputs(cloudformation: CloudFormationClient, stackName: string): Promise<StackOutputs> {
  let stacks;
  try {
    stacks = (await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks ?? [];
  } catch (error) {
    const { name, message } = error as { name?: string; message?: string };
    if (name === 'ValidationError' && /does not exist/i.test(message ?? '')) {
      throw notFound(
        `no stack named ${stackName} in this account and region (deploy it with npx cdk deploy, or check --stack and --region)`,
      );
    }
    throw error;
  }
  const stack = stacks[0];
  if (!stack) throw notFound(`no stack named ${stackName}`);
  if (/_IN_PROGRESS$/.test(stack.StackStatus ?? '') && !stack.Outputs?.length) {
    throw new AdminError(`stack ${stackName} is ${stack.StackStatus}: wait for it to finish`, EXIT.failed);
  }
  const outputs: Record<string, string> = {};
  for (const output of stack.Outputs ?? [])
    if (output.OutputKey && output.OutputValue) outputs[output.OutputKey] = output.OutputValue;
  const missing = REQUIRED_OUTPUTS.filter((name) => !outputs[name]);
  if (missing.length > 0) {
    throw notFound(
      `stack ${stackName} has no output ${missing.join(', ')}: is it an AgenticMemory stack, deployed with this version? (redeploy it)`,
    );
  }
  return outputs as StackOutputs;
}
