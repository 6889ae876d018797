import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { loggableError } from '../shared/logging';
import { METRIC, MetricUnit, type Powertools } from '../shared/powertools';
import type { Delivery, IngestOutcome } from './ingest-archived-payload';

/** S3 event notification as S3 puts it on the queue (a test event carries no Records). */
interface S3Notification {
  Records?: Array<{ eventName?: string; s3?: { object?: { key?: string } } }>;
  Event?: string;
}

/** The log line of each failed attempt, with the inbox `key` and the `error`: where a dead letter's cause is on AWS. */
export const INGEST_FAILED_MESSAGE = 'ingest failed; the message will be retried';

export interface IngestHandlerDependencies {
  tools: Powertools;
  ingestArchivedPayload: (key: string, context: Context, delivery: Delivery) => Promise<IngestOutcome>;
  /**
   * Told why a record failed, before it is reported back as failed. A partial batch response
   * carries only the record's id: a host that keeps dead letters itself (the local stack) keeps
   * the cause with them this way. On AWS the cause is in this function's log.
   */
  onRecordFailed?: (record: SQSRecord, error: unknown) => void;
}

/**
 * The ingest worker: each SQS message is an S3 object-created notification for the post-call
 * inbox. A record that fails is reported back (partial batch response) and redelivered by SQS;
 * after the queue's retries it moves to the dead-letter queue. Successful records are not retried.
 */
export function createIngestHandler(deps: IngestHandlerDependencies) {
  const { tools } = deps;
  const processor = new BatchProcessor(EventType.SQS);

  let invocation: Context;

  async function ingestRecord(record: SQSRecord): Promise<void> {
    for (const key of archivedKeys(record.body)) {
      try {
        const redelivered = Number(record.attributes?.ApproximateReceiveCount ?? '1') > 1;
        const result = await deps.ingestArchivedPayload(key, invocation, { redelivered });
        if (result.outcome === 'ingested') tools.metrics.addMetric(METRIC.ingestSucceeded, MetricUnit.Count, 1);
      } catch (error) {
        tools.metrics.addMetric(METRIC.ingestFailed, MetricUnit.Count, 1);
        tools.logger.error(INGEST_FAILED_MESSAGE, { key, error: loggableError(error) });
        deps.onRecordFailed?.(record, error);
        throw error;
      } finally {
        tools.logger.resetKeys();
      }
    }
  }

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    invocation = context;
    tools.logger.addContext(context);
    tools.metrics.captureColdStartMetric();
    try {
      return await processPartialResponse(event, ingestRecord, processor, {
        context,
        throwOnFullBatchFailure: false,
        // One record at a time: a duplicate later in the batch then finds its conversation
        // already written instead of failing on an in-progress record, and Mem0 sees one
        // writer per worker rather than a burst.
        processInParallel: false,
      });
    } finally {
      tools.metrics.publishStoredMetrics();
    }
  };
}

/** Object keys in a notification, decoded: S3 URL-encodes them, with '+' for spaces. */
export function archivedKeys(body: string): string[] {
  const notification = JSON.parse(body) as S3Notification;
  return (notification.Records ?? [])
    .filter((r) => r.eventName?.startsWith('ObjectCreated') && r.s3?.object?.key)
    .map((r) => decodeURIComponent(r.s3!.object!.key!.replace(/\+/g, ' ')));
}
