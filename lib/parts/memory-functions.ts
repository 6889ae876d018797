import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { logRetentionOf, memoryBackendOf, removalPolicyOf, type AgenticMemoryProps } from '../agentic-memory-props';
import { SCHEDULED_SERVICE, SERVICE } from '../contract';
import { MemoryFunction } from '../memory-function';
import { acknowledge } from '../nag';

export type MemoryFunctionSettings = Pick<
  AgenticMemoryProps,
  'logRetention' | 'removalPolicy' | 'tracing' | 'logLevel' | 'memory'
>;

/** Each function's service name: its handler folder and Powertools service. */
export const SERVICE_OF = { ...SERVICE, ...SCHEDULED_SERVICE } as const;

/** The construct's functions, by the key their props use (`clientData`, …, `retention`). */
export type FunctionKey = keyof typeof SERVICE_OF;

/**
 * The functions that keep memories: each has an entry per memory backend
 * (`lambdas/<service>/index.ts` for Mem0, `index-agentcore.ts` for AgentCore).
 */
export const MEMORY_STORE_FUNCTIONS = ['clientData', 'retrieve', 'ingest', 'retention'] as const;
export type MemoryStoreFunctionKey = (typeof MEMORY_STORE_FUNCTIONS)[number];

/** Memory and timeout sized for each function's job. */
export const FUNCTION_SIZING = {
  clientData: {
    description:
      "AgenticMemory pre-call: answers the ElevenLabs conversation-initiation webhook with the caller's memory",
    // 1 GB buys the CPU share that keeps cold starts and JSON work short on the caller's path.
    memorySize: 1024,
    timeout: Duration.seconds(10),
  },
  retrieve: {
    description: 'AgenticMemory in-call: the search_memory server tool',
    memorySize: 1024,
    timeout: Duration.seconds(10),
  },
  postCall: {
    description: 'AgenticMemory post-call: verifies and archives ElevenLabs post-call webhooks',
    // Bodies up to 6 MB (audio), decoded, hashed and stored in memory; answers within API Gateway's 30 s.
    memorySize: 1024,
    timeout: Duration.seconds(20),
  },
  ingest: {
    description: 'AgenticMemory ingest: writes archived post-call payloads to memory',
    // A batch of 5 payloads, each with a few Mem0 writes under a 10 s deadline.
    memorySize: 1024,
    timeout: Duration.minutes(2),
  },
  retention: {
    description: 'AgenticMemory retention: erases memories older than their maximum age, daily',
    memorySize: 512,
    // Every caller's memories listed and the old ones deleted, one request at a time; what
    // does not fit in one run is done by the next.
    timeout: Duration.minutes(15),
  },
} as const satisfies Record<FunctionKey, { description: string; memorySize: number; timeout: Duration }>;

export interface MemoryFunctionOptions {
  /** The handler's environment: only the variables it reads. */
  readonly environment: Record<string, string>;
  /**
   * Timeout.
   * @default - the function's `FUNCTION_SIZING`
   */
  readonly timeout?: Duration;
  /**
   * Reserved concurrency.
   * @default - none
   */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * One of the construct's functions, in `scope` under `id`: sized for its job, bundled for the
 * memory backend the props choose (if it keeps memories), with the log retention, removal policy,
 * tracing and log level the props ask for. Its role can write its log group and nothing else yet:
 * the part that owns the function grants the rest.
 */
export function createMemoryFunction<K extends FunctionKey>(
  scope: Construct,
  id: string,
  which: K,
  settings: MemoryFunctionSettings,
  options: MemoryFunctionOptions,
): MemoryFunction<(typeof SERVICE_OF)[K]> {
  const sizing = FUNCTION_SIZING[which];
  const fn = new MemoryFunction<(typeof SERVICE_OF)[K]>(scope, id, {
    serviceName: SERVICE_OF[which],
    memoryBackend: (MEMORY_STORE_FUNCTIONS as readonly FunctionKey[]).includes(which)
      ? memoryBackendOf(settings)
      : undefined,
    description: sizing.description,
    memorySize: sizing.memorySize,
    timeout: options.timeout ?? sizing.timeout,
    environment: options.environment,
    logRetention: logRetentionOf(settings),
    logRemovalPolicy: removalPolicyOf(settings),
    tracing: settings.tracing,
    logLevel: settings.logLevel,
    reservedConcurrentExecutions: options.reservedConcurrentExecutions,
  });
  if ((settings.tracing ?? lambda.Tracing.ACTIVE) !== lambda.Tracing.DISABLED) {
    acknowledge(
      fn.executionRole,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so the statement CDK adds for active tracing must name "*".',
    );
  }
  return fn;
}
