import { CloudWatchClient, GetMetricStatisticsCommand, type Datapoint } from '@aws-sdk/client-cloudwatch';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { archivedKeys } from '../../lambdas/ingest/handler';
import type { IngestQueueAdmin, QueueStatus } from '../deployment';
import { objectCreatedEvent } from '../s3-notification';

/** Metric names and dimension as the handlers emit them (lambdas/shared/powertools.ts). */
const INGEST_FAILED = {
  namespace: 'AgenticMemory',
  name: 'IngestFailed',
  dimension: { Name: 'service', Value: 'ingest' },
};
const FAILURE_WINDOW_HOURS = 24;
const SQS_BATCH = 10;
/** Long enough to send a batch on and delete it; a crash in between redelivers it, harmlessly. */
const REDRIVE_VISIBILITY_SECONDS = 60;

export interface SqsIngestQueueOptions {
  queueUrl: string;
  deadLetterQueueUrl: string;
  bucket: string;
  region: string;
}

/**
 * The ingest queue and its dead-letter queue on AWS. Depth and dead letters come from SQS;
 * the age of the oldest message and failed ingest attempts from CloudWatch (SQS has no API for
 * either).
 */
export class SqsIngestQueue implements IngestQueueAdmin {
  constructor(
    private readonly sqs: SQSClient,
    private readonly cloudwatch: CloudWatchClient,
    private readonly options: SqsIngestQueueOptions,
  ) {}

  async status(): Promise<QueueStatus> {
    const [main, dead, oldest, failed, samples] = await Promise.all([
      this.attributes(this.options.queueUrl),
      this.attributes(this.options.deadLetterQueueUrl),
      this.latest(
        'AWS/SQS',
        'ApproximateAgeOfOldestMessage',
        { Name: 'QueueName', Value: queueName(this.options.queueUrl) },
        'Maximum',
        15 * 60,
      ),
      this.sum(INGEST_FAILED.namespace, INGEST_FAILED.name, INGEST_FAILED.dimension, FAILURE_WINDOW_HOURS * 3600),
      this.peekDeadLetters(),
    ]);
    const waiting = main.ApproximateNumberOfMessages + main.ApproximateNumberOfMessagesDelayed;
    return {
      waiting,
      inFlight: main.ApproximateNumberOfMessagesNotVisible,
      oldestMessageAgeSeconds: waiting + main.ApproximateNumberOfMessagesNotVisible > 0 ? oldest : undefined,
      deadLetters: dead.ApproximateNumberOfMessages + dead.ApproximateNumberOfMessagesNotVisible,
      recentFailures: {
        description: `failed ingest attempts in the last ${FAILURE_WINDOW_HOURS} hours (metric IngestFailed)`,
        count: failed,
        deadLettered: samples,
      },
    };
  }

  async enqueue(keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += SQS_BATCH) {
      const entries = keys.slice(start, start + SQS_BATCH).map((key, i) => ({
        Id: String(i),
        MessageBody: objectCreatedEvent(this.options.bucket, key, this.options.region),
      }));
      await this.send(entries);
    }
  }

  async redriveDeadLetters(onProgress?: (done: number, total: number) => void): Promise<number> {
    const dead = await this.attributes(this.options.deadLetterQueueUrl);
    let total = dead.ApproximateNumberOfMessages;
    let moved = 0;
    onProgress?.(0, total);
    for (;;) {
      const received = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.deadLetterQueueUrl,
          MaxNumberOfMessages: SQS_BATCH,
          VisibilityTimeout: REDRIVE_VISIBILITY_SECONDS,
          // Long polling: an empty answer means empty, not "this server had none".
          WaitTimeSeconds: 1,
        }),
      );
      const messages = (received.Messages ?? []).filter((m): m is Message & { Body: string; ReceiptHandle: string } =>
        Boolean(m.Body && m.ReceiptHandle),
      );
      if (messages.length === 0) break;
      await this.send(messages.map((message, i) => ({ Id: String(i), MessageBody: message.Body })));
      const deleted = await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.deadLetterQueueUrl,
          Entries: messages.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
      if (deleted.Failed?.length)
        throw new Error(`SQS kept ${deleted.Failed.length} redriven message(s) in the dead-letter queue`);
      moved += messages.length;
      total = Math.max(total, moved);
      onProgress?.(moved, total);
    }
    return moved;
  }

  private async send(entries: Array<{ Id: string; MessageBody: string }>): Promise<void> {
    const answer = await this.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: entries }),
    );
    if (answer.Failed?.length) {
      throw new Error(
        `SQS refused ${answer.Failed.length} message(s): ${answer.Failed[0].Code} ${answer.Failed[0].Message ?? ''}`.trim(),
      );
    }
  }

  private async attributes(queueUrl: string): Promise<Record<QueueCount, number>> {
    const answer = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...QUEUE_COUNTS] }),
    );
    return Object.fromEntries(QUEUE_COUNTS.map((name) => [name, Number(answer.Attributes?.[name] ?? 0)])) as Record<
      QueueCount,
      number
    >;
  }

  /** Up to ten dead letters, looked at without taking them (visibility 0). */
  private async peekDeadLetters(): Promise<QueueStatus['recentFailures']['deadLettered']> {
    const answer = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.deadLetterQueueUrl,
        MaxNumberOfMessages: SQS_BATCH,
        VisibilityTimeout: 0,
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    return (answer.Messages ?? [])
      .map((message) => ({
        keys: keysOf(message.Body),
        at: message.Attributes?.SentTimestamp
          ? new Date(Number(message.Attributes.SentTimestamp)).toISOString()
          : undefined,
      }))
      .sort((a, b) => (b.at ?? '').localeCompare(a.at ?? ''));
  }

  private async latest(
    namespace: string,
    metric: string,
    dimension: { Name: string; Value: string },
    statistic: 'Maximum',
    seconds: number,
  ): Promise<number | undefined> {
    const points = await this.datapoints(namespace, metric, dimension, statistic, seconds, 60);
    const newest = points.sort((a, b) => (b.Timestamp?.getTime() ?? 0) - (a.Timestamp?.getTime() ?? 0))[0];
    return newest?.[statistic];
  }

  private async sum(
    namespace: string,
    metric: string,
    dimension: { Name: string; Value: string },
    seconds: number,
  ): Promise<number> {
    const points = await this.datapoints(namespace, metric, dimension, 'Sum', seconds, 3600);
    return points.reduce((total, point) => total + (point.Sum ?? 0), 0);
  }

  private async datapoints(
    namespace: string,
    metric: string,
    dimension: { Name: string; Value: string },
    statistic: 'Maximum' | 'Sum',
    seconds: number,
    period: number,
  ): Promise<Datapoint[]> {
    const end = new Date();
    const answer = await this.cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: namespace,
        MetricName: metric,
        Dimensions: [dimension],
        StartTime: new Date(end.getTime() - seconds * 1000),
        EndTime: end,
        Period: period,
        Statistics: [statistic],
      }),
    );
    return answer.Datapoints ?? [];
  }
}

const QUEUE_COUNTS = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
] as const;
type QueueCount = (typeof QUEUE_COUNTS)[number];

function queueName(queueUrl: string): string {
  return queueUrl.split('/').pop() ?? queueUrl;
}

function keysOf(body: string | undefined): string[] {
  try {
    return body ? archivedKeys(body) : [];
  } catch {
    return [];
  }
}
