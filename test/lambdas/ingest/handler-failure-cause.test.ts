import type { S3Event, SQSRecord } from 'aws-lambda';
import { createIngestHandler } from '../../../lambdas/ingest/handler';
import { createPowertools } from '../../../lambdas/shared/powertools';
import { lambdaContext } from '../../support/http-event';
import { sqsBatch } from '../../support/test-bed';

const inboxNotification = (key: string): S3Event =>
  ({
    Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key } } }],
  }) as unknown as S3Event;

describe('ingest worker: a failed record', () => {
  it('is reported back as failed, and whoever hosts the worker is told why', async () => {
    const refused = new Error('Mem0 add failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:4') });
    const told: Array<{ record: SQSRecord; error: unknown }> = [];
    const handler = createIngestHandler({
      tools: createPowertools('ingest'),
      // The worker's own decision is under test, not the ingestion: one payload fails, one does not.
      ingestArchivedPayload: async (key) => {
        if (key.includes('conv_down')) throw refused;
        return { outcome: 'ingested', conversationId: 'conv_fine', memoriesWritten: 3 };
      },
      onRecordFailed: (record, error) => told.push({ record, error }),
    });
    const batch = sqsBatch([
      inboxNotification('post-call/raw/2026-12-01/conv_fine/post_call_transcription-a.json'),
      inboxNotification('post-call/raw/2026-12-01/conv_down/post_call_transcription-b.json'),
    ]);

    const response = await handler(batch, lambdaContext('ingest'));

    const failedRecord = batch.Records[1];
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: failedRecord.messageId }]);
    expect(told).toEqual([{ record: failedRecord, error: refused }]);
  });
});
