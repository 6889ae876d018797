import { identityOf } from '../lambdas/ingest/ingest-archived-payload';
import {
  RAW_POST_CALL_PREFIX,
  callerTranscriptKey,
  parseRawPostCallKey,
  rawPostCallKey,
} from '../lambdas/shared/archive';
import type { CallerId, MemoryScope } from '../lambdas/shared/caller';
import { parsePostCallPayload } from '../lambdas/shared/elevenlabs/post-call-schema';
import { MEMORY_TYPES } from '../lambdas/shared/memory';
import { AdminError, EXIT, usageError } from './admin-error';
import { CheckpointFile } from './backfill-checkpoint';
import type { Deployment } from './deployment';
import type { ElevenLabsWorkspace } from './elevenlabs/elevenlabs-workspace';
import type { ConversationSummaryWire, ConversationWire } from './elevenlabs/wire';

const TRANSCRIPTION = 'post_call_transcription';
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The start-time window of `--since` / `--until`: a day (YYYY-MM-DD, UTC; `--until` takes the
 * whole day) or an ISO 8601 time.
 */
export function backfillWindow(since?: string, until?: string): { startAfterUnix?: number; startBeforeUnix?: number } {
  const read = (name: string, value: string | undefined, endOfDay: boolean): number | undefined => {
    if (value === undefined) return undefined;
    const day = DAY.test(value.trim());
    const at = Date.parse(day ? `${value.trim()}T00:00:00Z` : value.trim());
    if (Number.isNaN(at) || (day && new Date(at).toISOString().slice(0, 10) !== value.trim())) {
      throw usageError(`${name} must be a day (YYYY-MM-DD) or an ISO 8601 time, not "${value}"`);
    }
    return Math.floor(at / 1000) + (day && endOfDay ? 86_399 : 0);
  };
  const startAfterUnix = read('--since', since, false);
  const startBeforeUnix = read('--until', until, true);
  if (startAfterUnix !== undefined && startBeforeUnix !== undefined && startBeforeUnix < startAfterUnix) {
    throw usageError(`--until (${until}) is before --since (${since})`);
  }
  return { startAfterUnix, startBeforeUnix };
}

export interface BackfillOptions {
  agentId: string;
  /** Only conversations that started at or after / at or before these times. */
  startAfterUnix?: number;
  startBeforeUnix?: number;
  checkpointFile: string;
  /** Aborted: stop after the conversation in hand, keep the checkpoint. */
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface BackfillReport {
  /** Conversations of the agent in the window. */
  seen: number;
  /** Handed to the ingest worker by this run. */
  ingested: number;
  /** Reason → how many. */
  skipped: Record<string, number>;
  /** Handled by the interrupted run this one resumed. */
  resumed: number;
  /** Stopped before the end (Ctrl-C): the checkpoint is kept. */
  interrupted: boolean;
  checkpointFile: string;
}

export const SKIP = {
  unfinished: (status: string) => `not finished yet (${status}): run backfill again later`,
  archived: 'already in the archive (delivered by the post-call webhook, or an earlier backfill)',
  remembered: 'already remembered (the caller has memories of it)',
  resumed: 'handled by the interrupted run',
  noIdentity: (detail: string) => `no memory identity (${detail}): nothing to remember`,
} as const;

/**
 * Feeds an agent's past conversations into the post-call pipeline, as the transcription webhook
 * would have: each finished conversation is archived in the inbox in the webhook's envelope (the
 * get-conversation answer is the webhook's `data`), and the archive's object-created notification
 * hands it to the ingest worker, which writes each memory of a conversation once.
 *
 * Idempotent with the webhooks and with itself: a conversation already in the inbox, or already
 * remembered (a per-caller transcript copy, or memories of that conversation), is skipped with
 * the reason; the bytes archived are a function of the conversation, so archiving it twice lands
 * on the same key. Resumable: a checkpoint after every conversation.
 */
export async function backfill(
  workspace: ElevenLabsWorkspace,
  deployment: Deployment,
  options: BackfillOptions,
): Promise<BackfillReport> {
  const checkpoint = await CheckpointFile.open(options.checkpointFile, {
    agentId: options.agentId,
    startAfterUnix: options.startAfterUnix,
    startBeforeUnix: options.startBeforeUnix,
  });
  const report: BackfillReport = {
    seen: 0,
    ingested: 0,
    skipped: {},
    resumed: checkpoint.resumed,
    interrupted: false,
    checkpointFile: checkpoint.file,
  };
  const skip = (reason: string) => void (report.skipped[reason] = (report.skipped[reason] ?? 0) + 1);

  const summaries = await listConversations(workspace, options);
  report.seen = summaries.length;
  const inInbox = await conversationsInInbox(deployment);
  const scope = deployment.configuration.memoryScope;
  options.onProgress?.(0, summaries.length);

  let done = 0;
  for (const summary of summaries) {
    if (options.signal?.aborted) {
      report.interrupted = true;
      break;
    }
    const id = summary.conversation_id;
    try {
      if (checkpoint.has(id)) {
        skip(SKIP.resumed);
      } else if (summary.status !== 'done') {
        skip(SKIP.unfinished(summary.status));
      } else if (inInbox.has(id)) {
        skip(SKIP.archived);
        await checkpoint.record(id, SKIP.archived);
      } else {
        const outcome = await feed(workspace, deployment, scope, id);
        if (outcome === 'ingested') report.ingested++;
        else skip(outcome);
        await checkpoint.record(id, outcome);
      }
    } catch (error) {
      throw new AdminError(
        `backfill stopped at conversation ${id} (${done} of ${summaries.length} done): ${(error as Error).message}. Run the same command again to resume.`,
        (error as AdminError).exitCode ?? EXIT.failed,
        { cause: error },
      );
    }
    options.onProgress?.(++done, summaries.length);
  }
  if (!report.interrupted) await checkpoint.remove();
  return report;
}

/** Every conversation of the agent in the window, oldest first (so memories are written in the order of the calls). */
async function listConversations(
  workspace: ElevenLabsWorkspace,
  options: BackfillOptions,
): Promise<ConversationSummaryWire[]> {
  const all = new Map<string, ConversationSummaryWire>();
  let cursor: string | undefined;
  do {
    const page = await workspace.listConversations({
      agentId: options.agentId,
      startAfterUnix: options.startAfterUnix,
      startBeforeUnix: options.startBeforeUnix,
      cursor,
    });
    // The list is newest first: a call that ends while paging shifts the pages, so ids are deduplicated.
    for (const conversation of page.conversations) all.set(conversation.conversation_id, conversation);
    cursor = page.nextCursor;
  } while (cursor);
  return [...all.values()].sort((a, b) => a.start_time_unix_secs - b.start_time_unix_secs);
}

/** Conversations whose transcription is in the post-call inbox already (keys only are listed). */
async function conversationsInInbox(deployment: Deployment): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const object of deployment.archive.list(RAW_POST_CALL_PREFIX)) {
    const raw = parseRawPostCallKey(object.key);
    if (raw?.type === TRANSCRIPTION && raw.conversationId !== undefined) ids.add(raw.conversationId);
  }
  return ids;
}

/** One finished conversation: fetched, checked against what is remembered, archived for ingestion. */
async function feed(
  workspace: ElevenLabsWorkspace,
  deployment: Deployment,
  scope: MemoryScope,
  conversationId: string,
): Promise<string> {
  const conversation = await workspace.getConversation(conversationId);
  const body = webhookBody(conversation);
  const payload = parsePostCallPayload(JSON.parse(body.toString('utf8')) as Record<string, unknown>);
  if (payload.type !== TRANSCRIPTION) throw new Error(`conversation ${conversationId} did not read as a transcription`);
  const identity = identityOf(payload.conversation, scope);
  if (!identity.ok) return SKIP.noIdentity(identity.detail);
  if (await alreadyRemembered(deployment, identity.identity, conversationId)) return SKIP.remembered;
  const endedAt = new Date(eventTimestamp(conversation) * 1000);
  await deployment.archive.putJson(rawPostCallKey(TRANSCRIPTION, conversationId, body, endedAt), body);
  return 'ingested';
}

/**
 * The transcription webhook's body for a conversation: `{type, event_timestamp, data}` with the
 * get-conversation answer as `data`. Every byte follows from the conversation (the time is when
 * the call ended), so the same conversation always makes the same inbox key.
 */
export function webhookBody(conversation: ConversationWire): Buffer {
  return Buffer.from(
    JSON.stringify({ type: TRANSCRIPTION, event_timestamp: eventTimestamp(conversation), data: conversation }),
    'utf8',
  );
}

function eventTimestamp(conversation: ConversationWire): number {
  const { start_time_unix_secs, call_duration_secs } = conversation.metadata;
  return Math.floor(start_time_unix_secs + (call_duration_secs ?? 0));
}

/** The ingest worker wrote the per-caller copy of the call, or the store holds memories of it. */
async function alreadyRemembered(deployment: Deployment, identity: CallerId, conversationId: string): Promise<boolean> {
  const copy = callerTranscriptKey(identity, conversationId);
  for await (const object of deployment.archive.list(copy)) if (object.key === copy) return true;
  for (const type of MEMORY_TYPES) {
    const page = await deployment.memory.list(identity, { type, limit: 1, conversationId });
    if (page.total > 0) return true;
  }
  return false;
}
