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

/**
 * Where the stack keeps memories: the `MemoryBackend` output (a stack without it predates the
 * AgentCore backend and uses Mem0), and the output each backend is opened from.
 */
export const MEMORY_OUTPUTS = {
  backend: 'MemoryBackend',
  mem0ApiKeySecretName: 'Mem0ApiKeySecretName',
  mem0Host: 'Mem0Host',
  agentCoreMemoryId: 'AgentCoreMemoryId',
} as const;
export type StackMemory =
  { backend: 'mem0'; apiKeySecretName: string; host?: string } | { backend: 'agentcore'; memoryId: string };

/** The stack's memory store, as its outputs state it. */
export function stackMemory(outputs: StackOutputs, stackName: string): StackMemory {
  const backend = outputs[MEMORY_OUTPUTS.backend] ?? 'mem0';
  const required = (name: string): string => {
    const value = outputs[name];
    if (!value)
      throw notFound(`stack ${stackName} keeps memories in ${backend} but has no output ${name} (redeploy it)`);
    return value;
  };
  if (backend === 'agentcore') return { backend, memoryId: required(MEMORY_OUTPUTS.agentCoreMemoryId) };
  if (backend === 'mem0') {
    return {
      backend,
      apiKeySecretName: required(MEMORY_OUTPUTS.mem0ApiKeySecretName),
      host: outputs[MEMORY_OUTPUTS.mem0Host],
    };
  }
  throw new AdminError(
    `stack ${stackName}: output ${MEMORY_OUTPUTS.backend} is "${backend}", expected mem0 or agentcore (update the CLI to the stack's version)`,
    EXIT.failed,
  );
}

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
