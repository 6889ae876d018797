import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { MemoryBackend } from './agentic-memory-props';
import type { AgenticMemoryStackProps } from './agentic-memory-stack';
import { HANDLER_BOUNDS, MEMORY_BACKENDS, MEMORY_SCOPE_MODES, RETRIEVE_AUTH_MODES } from './contract';
import type { MemoryScopeMap } from './memory-scope';

/** The context keys the CDK app reads (`-c key=value`, or cdk.json's "context"). */
export const STACK_CONTEXT_KEYS = [
  'stackName',
  'alarmEmail',
  'memoryBackend',
  'agentCoreMemoryId',
  'mem0Host',
  'removalPolicy',
  'retrieveAuth',
  'memoryScope',
  'memoryScopeMap',
  'memoryTokenTtlMinutes',
] as const;

const REMOVAL_POLICIES = { retain: RemovalPolicy.RETAIN, destroy: RemovalPolicy.DESTROY } as const;
const TTL_MINUTES = {
  min: HANDLER_BOUNDS.memoryTokenTtlSeconds.min / 60,
  max: HANDLER_BOUNDS.memoryTokenTtlSeconds.max / 60,
};

export interface StackFromContext {
  /** `stackName`, default `AgenticMemory`. */
  readonly stackName: string;
  /** The stack's props (without `env`, which the app sets). */
  readonly props: AgenticMemoryStackProps;
}

/**
 * The deployable stack's configuration from the CDK context, each value checked: a mistake
 * stops the synth with a message naming the key, rather than deploying something else.
 */
export function stackFromContext(scope: Construct): StackFromContext {
  const read = (key: (typeof STACK_CONTEXT_KEYS)[number]): unknown => {
    const value: unknown = scope.node.tryGetContext(key);
    return typeof value === 'string' && value.trim() === '' ? undefined : value;
  };
  const text = (key: (typeof STACK_CONTEXT_KEYS)[number]): string | undefined => {
    const value = read(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw contextError(key, `must be a string, got ${JSON.stringify(value)}`);
    return value.trim();
  };
  const oneOf = <T extends string>(key: (typeof STACK_CONTEXT_KEYS)[number], choices: readonly T[]): T | undefined => {
    const value = text(key);
    if (value === undefined || (choices as readonly string[]).includes(value)) return value as T | undefined;
    throw contextError(key, `must be one of ${choices.join(', ')}, got "${value}"`);
  };

  const backend = oneOf('memoryBackend', MEMORY_BACKENDS);
  const agentCoreMemoryId = text('agentCoreMemoryId');
  const mem0Host = text('mem0Host');
  if (backend !== 'agentcore' && agentCoreMemoryId !== undefined) {
    throw contextError('agentCoreMemoryId', 'is for the AgentCore backend: add -c memoryBackend=agentcore');
  }
  if (backend === 'agentcore' && mem0Host !== undefined) {
    throw contextError('mem0Host', 'is for the Mem0 backend, but memoryBackend is agentcore: remove it');
  }
  const removalPolicy = oneOf('removalPolicy', Object.keys(REMOVAL_POLICIES) as (keyof typeof REMOVAL_POLICIES)[]);
  const ttlMinutes = memoryTokenTtlMinutes(read('memoryTokenTtlMinutes'));
  return {
    stackName: text('stackName') ?? 'AgenticMemory',
    props: {
      alarmEmail: text('alarmEmail'),
      memory: {
        // Mem0 unless asked otherwise, as the construct's default.
        memory:
          backend === 'agentcore'
            ? MemoryBackend.agentCore(agentCoreMemoryId !== undefined ? { existingMemoryId: agentCoreMemoryId } : {})
            : undefined,
        mem0Host,
        removalPolicy: REMOVAL_POLICIES[removalPolicy ?? 'retain'],
        retrieveAuth: oneOf('retrieveAuth', RETRIEVE_AUTH_MODES),
        memoryScope: oneOf('memoryScope', MEMORY_SCOPE_MODES),
        memoryScopeMap: scopeMap(read('memoryScopeMap')),
        memoryTokenTtl: ttlMinutes === undefined ? undefined : Duration.minutes(ttlMinutes),
      },
    },
  };
}

/** `-c memoryScopeMap='{"clinic-a":["agent_1"]}'` (a JSON string), or the object itself in cdk.json. */
function scopeMap(value: unknown): MemoryScopeMap | undefined {
  if (value === undefined) return undefined;
  let map = value;
  if (typeof value === 'string') {
    try {
      map = JSON.parse(value);
    } catch {
      throw contextError(
        'memoryScopeMap',
        `is not JSON: expected '{"scope-name": ["agent id", ...], ...}', got ${JSON.stringify(value)}`,
      );
    }
  }
  if (map === null || typeof map !== 'object' || Array.isArray(map)) {
    throw contextError('memoryScopeMap', 'must be a JSON object of scope names to lists of agent ids');
  }
  // Its contents are checked by the construct, as for any user of its props.
  return map as MemoryScopeMap;
}

function memoryTokenTtlMinutes(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const minutes = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (
    typeof minutes !== 'number' ||
    !Number.isInteger(minutes) ||
    minutes < TTL_MINUTES.min ||
    minutes > TTL_MINUTES.max
  ) {
    throw contextError(
      'memoryTokenTtlMinutes',
      `must be a whole number of minutes from ${TTL_MINUTES.min} to ${TTL_MINUTES.max}, got ${JSON.stringify(value)}`,
    );
  }
  return minutes;
}

function contextError(key: string, problem: string): Error {
  return new Error(`AgenticMemory: context ${key} ${problem}.`);
}
