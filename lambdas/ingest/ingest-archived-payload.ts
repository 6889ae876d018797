import { callerTranscriptKey, parseRawPostCallKey, type Archive } from '../shared/archive';
import {
  DEPLOYMENT_SCOPE,
  identityInScope,
  isWithheldCallerId,
  parseCallerId,
  redactIdentity,
  type CallerId,
  type IdentityOutcome,
  type MemoryScope,
} from '../shared/caller';
import type { ConversationRecord } from '../shared/elevenlabs/post-call-event';
import { parsePostCallPayload } from '../shared/elevenlabs/post-call-schema';
import { withDeadline } from '../shared/deadline';
import { MemoryStoreError, type MemoryStore, type MemoryType } from '../shared/memory';
import { withRetries, type RetryPolicy } from '../shared/retry';
import type { Context } from 'aws-lambda';
import type { IdempotentWrites } from './idempotency';
import { METRIC, MetricUnit, elapsedMs, type Powertools } from '../shared/powertools';
import { memoriesFromConversation, type PlannedMemory } from './conversation-memories';
import type { RecordingArchiver } from './archive-recording';

/**
 * Rate limits and brief outages are met with backoff inside the invocation; what outlasts it
 * fails the record, and the queue retries later. A write that timed out is not retried here:
 * it may still land, and only idempotency across deliveries can tell.
 */
const MEMORY_WRITE_RETRIES: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 2000,
  retryable: (error) => error instanceof MemoryStoreError && error.retryable,
};

export type IngestOutcome =
  { outcome: 'ingested'; conversationId: string; memoriesWritten: number } | { outcome: 'skipped'; reason: string };

/** Writes one planned memory at most once (idempotency is the caller's: see handler.ts). */
export type MemoryWriter = (job: MemoryWriteJob) => Promise<MemoryWriteOutcome>;

/** What writing a planned memory did: wrote it now, or found it written by an earlier delivery. */
export type MemoryWriteOutcome = 'written' | 'written earlier';

export interface MemoryWriteJob {
  idempotencyKey: string;
  callerId: CallerId;
  planned: PlannedMemory;
  /** The queue delivered this payload before (its receive count is above 1). */
  redelivered: boolean;
}

export interface Delivery {
  redelivered: boolean;
}

export interface IngestDependencies {
  archive: Archive;
  memory: MemoryStore;
  tools: Powertools;
  memoryWriteDeadlineMs: number;
  /** Makes a memory write happen once, however often its conversation is delivered. */
  idempotency: IdempotentWrites;
  /** Downloads the recording of a call that has one (configured with an ElevenLabs API key). */
  recordings?: RecordingArchiver;
  /** Whose memory a call becomes; default: one memory per caller for the whole deployment. */
  memoryScope?: MemoryScope;
}

/**
 * Turns one archived post-call payload into memories. Throws when the memory store fails, so
 * the queue redelivers the message (and dead-letters it after its retries): the raw payload
 * stays in the archive either way.
 */
export function createPayloadIngester(deps: IngestDependencies) {
  const { tools } = deps;

  const writeOnce = deps.idempotency.wrap(async ({ callerId, planned, redelivered }: MemoryWriteJob) => {
    if (redelivered && (await alreadyStored(callerId, planned))) {
      tools.logger.info('memory already stored by an earlier delivery', { type: planned.type });
      return 'written earlier';
    }
    const startedAt = performance.now();
    await withRetries(
      () =>
        withDeadline(
          deps.memory.add(callerId, planned.memory),
          deps.memoryWriteDeadlineMs,
          `memory write (${planned.type})`,
        ),
      MEMORY_WRITE_RETRIES,
    );
    tools.metrics.addMetric(METRIC.memoryStoreLatency, MetricUnit.Milliseconds, elapsedMs(startedAt));
    return 'written';
  });

  /**
   * A write that outlived its deadline may still have landed at the store, and then the
   * idempotency record was released with the error: on a redelivery, look before writing again.
   */
  async function alreadyStored(callerId: CallerId, planned: PlannedMemory): Promise<boolean> {
    const conversationId = planned.memory.metadata.conversation_id;
    if (conversationId === undefined) return false;
    const existing = await withDeadline(
      deps.memory.list(callerId, { type: planned.type, limit: 1, conversationId }),
      deps.memoryWriteDeadlineMs,
      `memory check (${planned.type})`,
    );
    return existing.total > 0;
  }

  return async function ingestArchivedPayload(
    key: string,
    context: Context,
    delivery: Delivery = { redelivered: false },
  ): Promise<IngestOutcome> {
    deps.idempotency.registerLambdaContext(context);
    const raw = parseRawPostCallKey(key);
    // Keys outside the inbox can hold a phone number: log only their top folder.
    if (!raw) return skip('not a post-call inbox key', { folder: key.split('/')[0] });
    if (raw.type !== 'post_call_transcription') return skip('only transcriptions become memories', { type: raw.type });

    const body = await deps.archive.getText(key);
    const payload = parsePostCallPayload(JSON.parse(body) as Record<string, unknown>);
    if (payload.type !== 'post_call_transcription') return skip('payload is not a transcription', { key });
    const conversation = payload.conversation;
    tools.logger.setCorrelationId(conversation.conversationId);

    const identity = identityOf(conversation, deps.memoryScope ?? DEPLOYMENT_SCOPE);
    if (!identity.ok) {
      // A real caller of an agent outside the memory scope is remembered by no one, but their call
      // stays findable under their number, so that `forget` and `export` reach it.
      if (identity.callerId) {
        await deps.archive.putJson(callerTranscriptKey(identity.callerId, conversation.conversationId), body);
      }
      await archiveRecording(conversation);
      tools.metrics.addMetric(METRIC.callsWithoutIdentity, MetricUnit.Count, 1);
      if (identity.reason === 'withheld') tools.metrics.addMetric(METRIC.withheldCallerIds, MetricUnit.Count, 1);
      return skip(`no memory identity (${identity.detail}): archived only`, {
        conversationId: conversation.conversationId,
        identity: identity.reason,
      });
    }
    const callerId = identity.identity;
    tools.logger.appendKeys({ caller: redactIdentity(callerId) });

    // The per-caller copy first: it is idempotent (same key, same bytes) and makes the call
    // findable under the caller's prefix even while the memory store is down.
    await deps.archive.putJson(callerTranscriptKey(callerId, conversation.conversationId), body);

    // A redelivery (ElevenLabs' byte-identical retry, SQS at least once) writes nothing again:
    // what is logged and counted is what this delivery wrote.
    const written: MemoryType[] = [];
    const writtenEarlier: MemoryType[] = [];
    for (const memory of memoriesFromConversation(conversation)) {
      const outcome = await writeOnce({
        idempotencyKey: memory.idempotencyKey,
        callerId,
        planned: memory,
        redelivered: delivery.redelivered,
      });
      (outcome === 'written' ? written : writtenEarlier).push(memory.type);
    }
    tools.metrics.addMetric(METRIC.memoriesWritten, MetricUnit.Count, written.length);
    // After the memories: a large download must not hold up what the next pre-call needs. A
    // failure here fails the record; on redelivery the memory writes are skipped as done.
    await archiveRecording(conversation);
    tools.logger.info(
      written.length === 0 && writtenEarlier.length > 0
        ? 'conversation ingested before: nothing written again'
        : 'conversation ingested',
      {
        conversationId: conversation.conversationId,
        memoriesWritten: written,
        ...(writtenEarlier.length > 0 ? { memoriesWrittenEarlier: writtenEarlier } : {}),
        turns: conversation.turns.length,
      },
    );
    return { outcome: 'ingested', conversationId: conversation.conversationId, memoriesWritten: written.length };
  };

  async function archiveRecording(conversation: ConversationRecord): Promise<void> {
    if (!deps.recordings || conversation.hasAudio !== true) return;
    const startedAt = performance.now();
    const outcome = await deps.recordings(conversation.conversationId);
    tools.logger.info('recording', { conversationId: conversation.conversationId, outcome, ms: elapsedMs(startedAt) });
  }

  function skip(reason: string, details: Record<string, unknown>): IngestOutcome {
    tools.metrics.addMetric(METRIC.ingestSkipped, MetricUnit.Count, 1);
    tools.logger.info(`ingest skipped: ${reason}`, details);
    return { outcome: 'skipped', reason };
  }
}

/**
 * Whose memory a finished call becomes. The caller is, in the order CONTRACTS.md gives, the
 * phone number the call came from, then the caller id ElevenLabs put in the dynamic variables,
 * then the user id of a web conversation: the first one present decides. A withheld number
 * there makes the call nobody's (a later fallback is not asked); so does an agent outside the
 * memory scope.
 */
export function identityOf(conversation: ConversationRecord, scope: MemoryScope): IdentityOutcome {
  const { externalNumber, systemCallerId, userId } = conversation.callerCandidates;
  for (const candidate of [externalNumber, systemCallerId, userId]) {
    if (candidate === undefined) continue;
    if (isWithheldCallerId(candidate)) {
      return { ok: false, reason: 'withheld', detail: 'the caller withheld their number' };
    }
    const parsed = parseCallerId(candidate);
    if (parsed.ok) return identityInScope(parsed.callerId, conversation.agentId, scope);
  }
  return { ok: false, reason: 'no-caller', detail: 'no phone number, caller id or user id' };
}
