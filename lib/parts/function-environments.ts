import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { mem0HostOf, retrieveAuthOf, type AgenticMemoryProps } from '../agentic-memory-props';
import { ENV, HANDLER_DEFAULTS } from '../contract';
import { requireEnvironmentWithinLimit } from '../environment-size';
import type { MemoryFunction } from '../memory-function';
import type { MemoryStoreTarget } from './least-privilege';
import type { FunctionKey } from './memory-functions';
import type { MemorySecrets } from './memory-secrets';

/** What the environments point at. */
export interface EnvironmentSources {
  /** The archive bucket. */
  readonly archiveBucket: s3.IBucket;
  /** The secrets. */
  readonly secrets: MemorySecrets;
  /** Where memories live. */
  readonly memoryStore: MemoryStoreTarget;
  /**
   * `MEMORY_SCOPE_MAP`: the scope map as JSON (`memoryScopeMapVariable`).
   * @default - no scope map
   */
  readonly scopeMap?: string;
}

/** A function's environment variables. */
export type Environment = Record<string, string>;

/** Each function's environment; the ingest worker's given the idempotency table its pipeline creates. */
export type FunctionEnvironments = Record<Exclude<FunctionKey, 'ingest'>, Environment> & {
  readonly ingest: (idempotencyTable: dynamodb.ITable) => Environment;
};

/**
 * Each function's environment: only the variables its handler reads, and of the secrets only
 * their ARNs.
 */
export function functionEnvironments(props: AgenticMemoryProps, sources: EnvironmentSources): FunctionEnvironments {
  const { archiveBucket, secrets, scopeMap, memoryStore } = sources;
  const secretsCache = {
    [ENV.secretsMaxAgeSeconds]: String(
      (props.secretsCacheTtl ?? Duration.seconds(HANDLER_DEFAULTS.secretsMaxAgeSeconds)).toSeconds(),
    ),
  };
  // With Mem0, MEMORY_BACKEND stays unset (mem0 is the handlers' default).
  const mem0Host = mem0HostOf(props);
  const memory: Environment =
    memoryStore.backend === 'agentcore'
      ? { [ENV.memoryBackend]: 'agentcore', [ENV.agentCoreMemoryId]: memoryStore.memory.memoryId }
      : {
          [ENV.mem0ApiKeySecretId]: memoryStore.apiKey.secretArn,
          ...(mem0Host !== undefined ? { [ENV.mem0Host]: mem0Host } : {}),
        };
  const archive = { [ENV.archiveBucket]: archiveBucket.bucketName };
  const allowList: Record<string, string> = props.allowedSourceIps?.length
    ? { [ENV.allowedSourceIps]: props.allowedSourceIps.join(',') }
    : {};
  const memoryDeadlineMs = String(props.memoryDeadline?.toMilliseconds() ?? HANDLER_DEFAULTS.memoryDeadlineMs);
  const memoryScope = {
    [ENV.memoryScope]: props.memoryScope ?? HANDLER_DEFAULTS.memoryScope,
    ...(scopeMap !== undefined ? { [ENV.memoryScopeMap]: scopeMap } : {}),
  };
  const memoryTokenKey = { [ENV.memoryTokenKeySecretId]: secrets.memoryTokenKey.secretArn };
  const retrieveAuth = retrieveAuthOf(props);
  return {
    clientData: {
      ...secretsCache,
      ...memory,
      ...archive,
      [ENV.workspaceKeySecretId]: secrets.workspaceKey.secretArn,
      ...memoryTokenKey,
      [ENV.memoryTokenTtlSeconds]: String(props.memoryTokenTtl?.toSeconds() ?? HANDLER_DEFAULTS.memoryTokenTtlSeconds),
      ...memoryScope,
      ...allowList,
      [ENV.memoryDeadlineMs]: memoryDeadlineMs,
      [ENV.overridePrompt]: String(props.overridePrompt ?? true),
      [ENV.overrideFirstMessage]: String(props.overrideFirstMessage ?? true),
      ...(props.basePromptTemplate !== undefined ? { [ENV.basePromptTemplate]: props.basePromptTemplate } : {}),
      ...(props.newCallerGreeting !== undefined ? { [ENV.newCallerGreeting]: props.newCallerGreeting } : {}),
    },
    retrieve: {
      ...secretsCache,
      ...memory,
      [ENV.retrieveAuth]: retrieveAuth,
      // Each mode is told only the keys it checks.
      ...(retrieveAuth !== 'key' ? memoryTokenKey : {}),
      ...(retrieveAuth !== 'token' ? { [ENV.retrieveApiKeySecretId]: secrets.retrieveApiKey.secretArn } : {}),
      ...(retrieveAuth === 'key' ? { [ENV.retrieveRequireApiKey]: String(props.retrieveRequireApiKey ?? true) } : {}),
      ...memoryScope,
      [ENV.memoryDeadlineMs]: memoryDeadlineMs,
      [ENV.searchDefaultLimit]: String(props.searchLimit ?? HANDLER_DEFAULTS.searchDefaultLimit),
    },
    postCall: {
      ...secretsCache,
      ...archive,
      [ENV.hmacKeySecretId]: secrets.hmacKey.secretArn,
      ...allowList,
    },
    ingest: (idempotencyTable) => ({
      ...secretsCache,
      ...memory,
      ...archive,
      ...memoryScope,
      [ENV.idempotencyTable]: idempotencyTable.tableName,
      [ENV.memoryWriteDeadlineMs]: String(
        props.memoryWriteDeadline?.toMilliseconds() ?? HANDLER_DEFAULTS.memoryWriteDeadlineMs,
      ),
      ...(secrets.elevenLabsApiKey ? { [ENV.elevenLabsApiKeySecretId]: secrets.elevenLabsApiKey.secretArn } : {}),
      ...(secrets.elevenLabsApiKey && props.elevenLabsApiHost !== undefined
        ? { [ENV.elevenLabsApiHost]: props.elevenLabsApiHost }
        : {}),
    }),
    retention: {
      ...secretsCache,
      ...memory,
      [ENV.memoryMaxAgeDays]: String(props.memoryMaxAge?.toDays() ?? ''),
    },
  };
}

/**
 * Refuses, at synth, a function environment Lambda would refuse at deploy (4 KB in all), naming
 * the props that put the most text into it.
 */
export function requireEnvironmentsWithinLimit(
  functions: readonly MemoryFunction[],
  props: AgenticMemoryProps,
  scopeMap: string | undefined,
): void {
  const textInEnvironment = {
    memoryScopeMap: scopeMap?.length ?? 0,
    basePromptTemplate: textBytes(props.basePromptTemplate),
    newCallerGreeting: textBytes(props.newCallerGreeting),
    allowedSourceIps: textBytes(props.allowedSourceIps?.join(',')),
  };
  for (const fn of functions) requireEnvironmentWithinLimit(fn, textInEnvironment);
}

/** UTF-8 bytes of a text prop that travels in an environment variable. */
function textBytes(text: string | undefined): number {
  return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
}
