import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import type { MemoryWriteOutcome, MemoryWriter } from './ingest-archived-payload';

/**
 * ElevenLabs retries are byte-identical and S3 and SQS deliver at least once, so the same
 * conversation can reach the worker several times. Each memory write is keyed by
 * `{conversation_id}:{type}`: a write that succeeded is never repeated; one that failed is.
 * Records live long enough to cover ElevenLabs' retry window and a DLQ replay.
 */
export const IDEMPOTENCY_EXPIRY_SECONDS = 30 * 24 * 3600;

export interface IdempotentWrites {
  wrap(write: MemoryWriter): MemoryWriter;
  /** Lets an in-progress record expire with the invocation that took it, if that one dies. */
  registerLambdaContext(context: Context): void;
}

export function idempotentWrites(persistenceStore: BasePersistenceLayer): IdempotentWrites {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'idempotencyKey',
    expiresAfterSeconds: IDEMPOTENCY_EXPIRY_SECONDS,
    throwOnNoIdempotencyKey: true,
    // Called only when a completed record answers instead of the write: nothing was written now.
    responseHook: (): MemoryWriteOutcome => 'written earlier',
  });
  return {
    wrap: (write) => makeIdempotent(write, { persistenceStore, config }),
    registerLambdaContext: (context) => config.registerLambdaContext(context),
  };
}
