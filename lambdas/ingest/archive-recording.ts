import { audioKey } from '../shared/archive/archive-keys';
import type { RecordingArchive } from '../shared/archive/recording-archive';
import { DeadlineExceededError } from '../shared/deadline';
import { RecordingDownloadError, type RecordingSource } from '../shared/elevenlabs/recordings';
import { withRetries, type RetryPolicy } from '../shared/retry';

/** archived: downloaded now; already archived: nothing to do; none: ElevenLabs has no recording. */
export type RecordingOutcome = 'archived' | 'already archived' | 'none';

/** Downloads a conversation's recording into the archive, at most once. */
export type RecordingArchiver = (conversationId: string) => Promise<RecordingOutcome>;

/** Like memory writes: brief outages and rate limits are met with backoff within the invocation. */
export const RECORDING_RETRIES: Omit<RetryPolicy, 'retryable'> = { attempts: 3, baseDelayMs: 500, maxDelayMs: 4000 };

export interface RecordingArchiverOptions {
  source: RecordingSource;
  archive: RecordingArchive;
  /** For the whole job, retries included: past it the download and upload are aborted. */
  deadlineMs: number;
  retries?: Omit<RetryPolicy, 'retryable'>;
}

/**
 * The recording of a call streamed from ElevenLabs to `post-call/audio/{conversation}.mp3`,
 * never held in memory whole. Idempotent: a recording already archived (by this worker, or by
 * the post-call webhook's audio event, which uses the same key) is not downloaded again, and a
 * multipart upload that did not complete leaves no object behind.
 */
export function createRecordingArchiver(options: RecordingArchiverOptions): RecordingArchiver {
  return async (conversationId) => {
    const key = audioKey(conversationId);
    if (await options.archive.has(key)) return 'already archived';

    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new DeadlineExceededError('recording download', options.deadlineMs)),
      options.deadlineMs,
    );
    try {
      return await withRetries(
        async (): Promise<RecordingOutcome> => {
          const recording = await options.source.open(conversationId, deadline.signal);
          if (!recording) return 'none';
          await options.archive.putStream(key, recording.body, recording.contentType, deadline.signal);
          return 'archived';
        },
        {
          ...(options.retries ?? RECORDING_RETRIES),
          retryable: (error) => !deadline.signal.aborted && isRetryable(error),
        },
      );
    } catch (error) {
      throw deadline.signal.aborted ? deadline.signal.reason : error;
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Retried: ElevenLabs outages and rate limits, and a stream cut short (the connection dropped
 * mid-download, which surfaces as whatever error the stream or the upload raised). Not retried:
 * ElevenLabs refusing the request (a wrong API key): the record fails and waits for the operator.
 */
function isRetryable(error: unknown): boolean {
  if (error instanceof RecordingDownloadError) return error.retryable;
  return true;
}
