import { App, Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { AgenticMemory, MemoryBackend } from '../lib/agentic-memory';
import { ENV, type MemoryBackendName, type ServiceName } from '../lib/contract';

export interface FunctionEnvironment {
  /** The variables the construct sets, with deploy-time references (ARNs, names) left as `undefined`. */
  variables: Record<string, string | undefined>;
  memorySize: number;
}

/**
 * Each function's environment exactly as the construct sets it with its defaults and the given
 * memory backend (`MemoryBackend.mem0()`, the default, or `MemoryBackend.agentCore()`), read
 * from the synthesized function (bundling skipped: only the configuration is wanted).
 */
export function constructEnvironments(backend: MemoryBackendName = 'mem0'): Record<ServiceName, FunctionEnvironment> {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bench');
  const memory = new AgenticMemory(
    stack,
    'Memory',
    backend === 'agentcore' ? { memory: MemoryBackend.agentCore() } : {},
  );
  const environments = {} as Record<ServiceName, FunctionEnvironment>;
  for (const fn of memory.functions()) {
    const cfn = fn.node.defaultChild as CfnFunction;
    const resolved = stack.resolve(cfn.environment) as { variables: Record<string, unknown> };
    environments[fn.serviceName] = {
      variables: Object.fromEntries(
        Object.entries(resolved.variables).map(([name, value]) => [
          name,
          typeof value === 'string' ? value : undefined,
        ]),
      ),
      memorySize: stack.resolve(cfn.memorySize) as number,
    };
  }
  return environments;
}

/** Loopback stand-ins for what only exists once deployed. */
export interface LoopbackEndpoints {
  mem0Url: string;
  s3Endpoint: string;
  bucket: string;
  secretsManagerEndpoint: string;
  dynamoDbEndpoint: string;
  idempotencyTable: string;
  /** Secret id per secret-id variable. */
  secretIds: Record<string, string>;
  /** The only key the S3 server accepts; the other loopback servers take any. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The loopback AgentCore data plane and its memory, for functions bundled for AgentCore. */
  agentCore?: { endpoint: string; memoryId: string };
}

/**
 * The process environment a function runs with: the construct's variables, deploy-time
 * references replaced by loopback resources, and what the Lambda runtime itself would add.
 */
export function loopbackEnvironment(
  service: ServiceName,
  fn: FunctionEnvironment,
  loopback: LoopbackEndpoints,
): Record<string, string> {
  const deployTime: Record<string, string> = {
    ...loopback.secretIds,
    [ENV.archiveBucket]: loopback.bucket,
    [ENV.idempotencyTable]: loopback.idempotencyTable,
    ...(loopback.agentCore ? { [ENV.agentCoreMemoryId]: loopback.agentCore.memoryId } : {}),
  };
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.variables)) {
    const resolved = value ?? deployTime[name];
    if (resolved === undefined)
      throw new Error(`no loopback value for ${service}'s ${name}: teach bench/construct-environment.ts`);
    variables[name] = resolved;
  }
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: `agentic-memory-${service}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_ACCESS_KEY_ID: loopback.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: loopback.credentials.secretAccessKey,
    // This machine runs Node 20, Lambda runs Node 24: the SDK's warning for Node < 22 (written to
    // stderr at the first client's construction, several ms) never happens there.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: loopback.secretsManagerEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB: loopback.dynamoDbEndpoint,
    ...variables,
    ...memoryEndpoint(service, variables, loopback),
    [ENV.archiveEndpoint]: loopback.s3Endpoint,
  };
}

/** Where the function's memory client goes: the loopback AgentCore endpoint, or the Mem0 routes. */
function memoryEndpoint(
  service: ServiceName,
  variables: Record<string, string>,
  loopback: LoopbackEndpoints,
): Record<string, string> {
  if (variables[ENV.memoryBackend] !== 'agentcore') return { [ENV.mem0Host]: loopback.mem0Url };
  if (!loopback.agentCore)
    throw new Error(`${service} is bundled for AgentCore: give it a loopback AgentCore endpoint`);
  return { [ENV.agentCoreEndpoint]: loopback.agentCore.endpoint };
}
