import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { loggableError } from '../shared/logging';
import { failureCause } from './failure-cause';
import { LOCAL_ACCOUNT, LOCAL_REGION, localLambdaContext } from './lambda-context';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface QueueMessage {
  messageId: string;
  body: string;
  sentAt: number;
  /** Deliveries so far, SQS's ApproximateReceiveCount. */
  receiveCount: number;
  firstReceivedAt?: number;
  /** Why the handler failed the current delivery, as it told the queue (`recordFailure`). */
  failure?: string;
}

export interface InProcessQueueOptions {
  name: string;
  /** The consumer, invoked as SQS invokes a Lambda: a batch of records, a partial batch response back. */
  handler: SqsHandler;
  functionName: string;
  functionTimeoutMs: number;
  batchSize: number;
  /** Deliveries before a message goes to the dead-letter queue (SQS's maxReceiveCount). */
  maxReceiveCount: number;
  /** Wait before the first redelivery; doubled after each further failure, up to `maxRetryDelayMs`. */
  retryDelayMs: number;
  maxRetryDelayMs: number;
  /** A message the handler processed: deleted from the queue. */
  onDelivered(message: QueueMessage): Promise<void>;
  /** A message that failed `maxReceiveCount` times; `reason` is why its last delivery failed. */
  onDeadLetter(message: QueueMessage, reason: string): Promise<void>;
  logger: Logger;
}

/**
 * The ingest queue on one machine: SQS semantics in-process. Messages reach the handler as SQS
 * events in batches; a record the handler reports as failed (or every record, when the handler
 * throws) is redelivered after a growing delay and dead-lettered after `maxReceiveCount`
 * deliveries. The queue itself is not durable: whoever sends must be able to send again after a
 * restart (the local stack resends every inbox object it has no record of processing).
 */
export class InProcessQueue {
  private readonly ready: QueueMessage[] = [];
  private readonly delayed = new Map<QueueMessage, NodeJS.Timeout>();
  private draining?: Promise<void>;
  private inFlight = 0;
  private processing: QueueMessage[] = [];
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: InProcessQueueOptions) {}

  send(body: string): void {
    if (this.stopped) return;
    this.ready.push({ messageId: randomUUID(), body, sentAt: Date.now(), receiveCount: 0 });
    this.drainSoon();
  }

  /**
   * Why the handler is failing a record it is processing. A partial batch response names the
   * failed records and nothing more (SQS keeps no reason either): the consumer tells the queue
   * here, and the dead letter carries the cause instead of a bare "failed".
   */
  recordFailure(messageId: string, cause: string): void {
    const message = this.processing.find((candidate) => candidate.messageId === messageId);
    if (message) message.failure = cause;
  }

  /** Messages waiting, in backoff or being processed. */
  get depth(): number {
    return this.ready.length + this.delayed.size + this.inFlight;
  }

  /** When the oldest message waiting, in backoff or being processed was sent; undefined when none is. */
  get oldestSentAt(): number | undefined {
    const times = [...this.ready, ...this.delayed.keys(), ...this.processing].map((message) => message.sentAt);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** Resolves when no message is waiting, in backoff or being processed. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Finishes the batch in flight and delivers nothing more. Messages still waiting are dropped:
   * their senders resend them on the next start.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    await this.draining;
    this.ready.length = 0;
    this.notifyIfIdle();
  }

  private isIdle(): boolean {
    return this.ready.length === 0 && this.delayed.size === 0 && !this.draining;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle() && !this.stopped) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private drainSoon(): void {
    if (this.draining || this.stopped) return;
    this.draining = (async () => {
      // Let the sender finish its turn first (a PUT's response, a burst of sends to batch).
      await new Promise((resolve) => setImmediate(resolve));
      while (this.ready.length > 0 && !this.stopped) {
        await this.deliver(this.ready.splice(0, this.options.batchSize));
      }
    })().finally(() => {
      this.draining = undefined;
      // A send can land between the loop's last check and this callback.
      if (this.ready.length > 0 && !this.stopped) this.drainSoon();
      else this.notifyIfIdle();
    });
  }

  private async deliver(batch: QueueMessage[]): Promise<void> {
    const { options } = this;
    const now = Date.now();
    for (const message of batch) {
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.failure = undefined;
    }
    let failed: Set<string>;
    let batchFailure: string | undefined;
    this.inFlight = batch.length;
    this.processing = batch;
    try {
      const response = await options.handler(
        { Records: batch.map((message) => this.sqsRecord(message)) },
        localLambdaContext(options.functionName, options.functionTimeoutMs),
      );
      failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch (error) {
      batchFailure = `the handler failed: ${failureCause(error)}`;
      options.logger.error(`${options.functionName} failed; the whole batch will be retried`, {
        error: loggableError(error),
      });
      failed = new Set(batch.map((message) => message.messageId));
    }

    for (const message of batch) {
      if (!failed.has(message.messageId)) {
        await this.settle('delivered', () => options.onDelivered(message));
      } else if (message.receiveCount >= options.maxReceiveCount) {
        const reason =
          batchFailure ?? message.failure ?? 'the handler reported the record as failed without saying why';
        await this.settle('dead-lettered', () => options.onDeadLetter(message, reason));
      } else {
        this.redeliverLater(message);
      }
    }
    this.inFlight = 0;
    this.processing = [];
  }

  /** The queue keeps going when bookkeeping fails: the sender resends on the next start anyway. */
  private async settle(outcome: string, record: () => Promise<void>): Promise<void> {
    try {
      await record();
    } catch (error) {
      this.options.logger.error(`could not record a message as ${outcome}`, { error: loggableError(error) });
    }
  }

  private redeliverLater(message: QueueMessage): void {
    if (this.stopped) return;
    const { retryDelayMs, maxRetryDelayMs, maxReceiveCount } = this.options;
    const delay = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** (message.receiveCount - 1));
    this.options.logger.warn(`message will be redelivered in ${formatDelay(delay)}`, {
      queue: this.options.name,
      messageId: message.messageId,
      delivery: `${message.receiveCount} of ${maxReceiveCount}`,
    });
    const timer = setTimeout(() => {
      this.delayed.delete(message);
      this.ready.push(message);
      this.drainSoon();
    }, delay);
    this.delayed.set(message, timer);
  }

  /** The record as SQS hands it to Lambda. */
  private sqsRecord(message: QueueMessage): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: `${message.messageId}#${message.receiveCount}`,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(message.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${this.options.name}`,
      awsRegion: LOCAL_REGION,
    };
  }
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
