import { RAW_POST_CALL_PREFIX, parseRawPostCallKey } from '../lambdas/shared/archive/archive-keys';
import { encodeKeySegment } from '../lambdas/shared/archive/key-segment';
import { notFound, usageError } from './admin-error';
import type { ArchiveAdmin, IngestQueueAdmin } from './deployment';

/** Only transcriptions become memories (and bring recordings); other payloads are archive only. */
const INGESTED_TYPE = 'post_call_transcription';
const ENQUEUE_BATCH = 10;
const MAX_RANGE_DAYS = 366;

export interface ReplayReport {
  /** Inbox keys handed to the ingest worker. */
  enqueued: string[];
  /** Conversations asked for that the inbox has no transcription of. */
  notFound: string[];
}

type Progress = (done: number, total: number) => void;

/**
 * Re-ingests chosen conversations from the archive. Idempotent: the worker writes each memory of
 * a conversation once however often it is delivered, and downloads no recording twice.
 */
export async function replayConversations(
  deployment: { archive: ArchiveAdmin; queue: IngestQueueAdmin },
  conversationIds: readonly string[],
  onProgress?: Progress,
): Promise<ReplayReport> {
  // By key segment: an id too long to be kept whole in a key is found by encoding it again.
  const wanted = new Map(conversationIds.map((id) => [encodeKeySegment(id), id]));
  const found = new Map<string, string[]>();
  for await (const object of deployment.archive.list(RAW_POST_CALL_PREFIX)) {
    const raw = parseRawPostCallKey(object.key);
    const id = raw?.type === INGESTED_TYPE ? wanted.get(raw.conversationSegment) : undefined;
    if (id !== undefined) found.set(id, [...(found.get(id) ?? []), object.key]);
  }
  const missing = conversationIds.filter((id) => !found.has(id));
  if (found.size === 0) throw notFound(`no archived transcription of ${missing.join(', ')}`);
  const keys = [...found.values()].flat();
  await enqueueInBatches(deployment.queue, keys, onProgress);
  return { enqueued: keys, notFound: missing };
}

/** Re-ingests every transcription that arrived from `from` to `to` (UTC dates, inclusive). */
export async function replayDates(
  deployment: { archive: ArchiveAdmin; queue: IngestQueueAdmin },
  from: string,
  to: string,
  onProgress?: Progress,
): Promise<ReplayReport> {
  const keys: string[] = [];
  for (const date of datesBetween(from, to)) {
    for await (const object of deployment.archive.list(`${RAW_POST_CALL_PREFIX}${date}/`)) {
      if (parseRawPostCallKey(object.key)?.type === INGESTED_TYPE) keys.push(object.key);
    }
  }
  await enqueueInBatches(deployment.queue, keys, onProgress);
  return { enqueued: keys, notFound: [] };
}

/** Moves the dead-letter queue back to the worker. */
export function replayDeadLetters(deployment: { queue: IngestQueueAdmin }, onProgress?: Progress): Promise<number> {
  return deployment.queue.redriveDeadLetters(onProgress);
}

async function enqueueInBatches(
  queue: IngestQueueAdmin,
  keys: readonly string[],
  onProgress?: Progress,
): Promise<void> {
  onProgress?.(0, keys.length);
  for (let start = 0; start < keys.length; start += ENQUEUE_BATCH) {
    const batch = keys.slice(start, start + ENQUEUE_BATCH);
    await queue.enqueue(batch);
    onProgress?.(start + batch.length, keys.length);
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC dates from `from` to `to`, inclusive, as the inbox names its folders. */
export function datesBetween(from: string, to: string): string[] {
  for (const [name, value] of [
    ['--from', from],
    ['--to', to],
  ]) {
    if (
      !DATE.test(value) ||
      Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ||
      new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value
    ) {
      throw usageError(`${name} must be a date as YYYY-MM-DD, not "${value}"`);
    }
  }
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (end < start) throw usageError(`--to (${to}) is before --from (${from})`);
  const days = Math.round((end - start) / 86_400_000) + 1;
  if (days > MAX_RANGE_DAYS)
    throw usageError(`a replay covers at most ${MAX_RANGE_DAYS} days; ${from} to ${to} is ${days}`);
  return Array.from({ length: days }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}
