import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { InProcessQueue, type InProcessQueueOptions, type QueueMessage } from '../../lambdas/local/in-process-queue';

type Handler = InProcessQueueOptions['handler'];

function queueWith(handler: Handler, overrides: Partial<InProcessQueueOptions> = {}) {
  const delivered: QueueMessage[] = [];
  const deadLettered: Array<{ message: QueueMessage; reason: string }> = [];
  const queue = new InProcessQueue({
    name: 'test-queue',
    handler,
    functionName: 'test-function',
    functionTimeoutMs: 1000,
    batchSize: 10,
    maxReceiveCount: 3,
    retryDelayMs: 5,
    maxRetryDelayMs: 20,
    onDelivered: async (message) => void delivered.push(message),
    onDeadLetter: async (message, reason) => void deadLettered.push({ message, reason }),
    logger: new Logger({ logLevel: 'SILENT' }),
    ...overrides,
  });
  return { queue, delivered, deadLettered };
}

describe('InProcessQueue', () => {
  it('delivers messages as an SQS event, batched, with SQS record attributes', async () => {
    const events: SQSEvent[] = [];
    const { queue, delivered } = queueWith(async (event) => {
      events.push(event);
      return { batchItemFailures: [] };
    });
    queue.send('{"a":1}');
    queue.send('{"b":2}');
    await queue.idle();

    expect(events).toHaveLength(1);
    expect(events[0].Records.map((r) => r.body)).toEqual(['{"a":1}', '{"b":2}']);
    const [record] = events[0].Records;
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test-queue',
      md5OfBody: createHash('md5').update('{"a":1}').digest('hex'),
      attributes: expect.objectContaining({ ApproximateReceiveCount: '1' }),
    });
    expect(delivered.map((m) => m.body)).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('redelivers only the records the handler reports as failed, counting deliveries', async () => {
    const seen: Array<[string, string]> = [];
    const { queue, delivered, deadLettered } = queueWith(async (event): Promise<SQSBatchResponse> => {
      const failures = [];
      for (const record of event.Records) {
        seen.push([record.body, record.attributes.ApproximateReceiveCount]);
        if (record.body === 'flaky' && record.attributes.ApproximateReceiveCount === '1') {
          failures.push({ itemIdentifier: record.messageId });
        }
      }
      return { batchItemFailures: failures };
    });
    queue.send('fine');
    queue.send('flaky');
    await queue.idle();

    expect(seen).toEqual([
      ['fine', '1'],
      ['flaky', '1'],
      ['flaky', '2'],
    ]);
    expect(delivered.map((m) => m.body)).toEqual(['fine', 'flaky']);
    expect(deadLettered).toEqual([]);
  });

  it('dead-letters a message after maxReceiveCount failed deliveries, backing off in between', async () => {
    const times: number[] = [];
    const { queue, delivered, deadLettered } = queueWith(async (event) => {
      times.push(Date.now());
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    queue.send('poison');
    await queue.idle();

    expect(times).toHaveLength(3);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(4);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(9);
    expect(delivered).toEqual([]);
    expect(deadLettered).toHaveLength(1);
    expect(deadLettered[0].message).toMatchObject({ body: 'poison', receiveCount: 3 });
  });

  it('treats a handler that throws as a whole failed batch', async () => {
    let calls = 0;
    const { queue, delivered } = queueWith(async () => {
      calls += 1;
      if (calls === 1) throw new Error('crashed');
      return { batchItemFailures: [] };
    });
    queue.send('one');
    queue.send('two');
    await queue.idle();
    // Both come back; their two retry timers may fire a millisecond apart, in two batches.
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(delivered.map((m) => [m.body, m.receiveCount])).toEqual(
      expect.arrayContaining([
        ['one', 2],
        ['two', 2],
      ]),
    );
    expect(delivered).toHaveLength(2);
  });

  it('dead-letters with the cause the consumer gave for the last failed delivery, not an earlier one', async () => {
    let delivery = 0;
    const { queue, deadLettered } = queueWith(async (event) => {
      delivery += 1;
      for (const record of event.Records) {
        queue.recordFailure(record.messageId, delivery < 3 ? 'Mem0 answered 503' : 'connect ECONNREFUSED 127.0.0.1:4');
      }
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    queue.send('poison');
    await queue.idle();

    expect(deadLettered.map((letter) => letter.reason)).toEqual(['connect ECONNREFUSED 127.0.0.1:4']);
  });

  it('says so when the consumer failed a record without giving a cause', async () => {
    let delivery = 0;
    const { queue, deadLettered } = queueWith(async (event) => {
      delivery += 1;
      // A cause given on an earlier delivery is not carried over to one that gave none.
      if (delivery === 1) queue.recordFailure(event.Records[0].messageId, 'an earlier cause');
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    queue.send('poison');
    await queue.idle();

    expect(deadLettered[0].reason).toBe('the handler reported the record as failed without saying why');
  });

  it('dead-letters a batch whose handler throws with the error and its causes, redacted', async () => {
    const { queue, deadLettered } = queueWith(async () => {
      throw new Error('could not reach the archive', {
        cause: new Error('connect ECONNREFUSED for caller +16125550142'),
      });
    });
    queue.send('one');
    await queue.idle();

    expect(deadLettered[0].reason).toBe(
      'the handler failed: could not reach the archive ← connect ECONNREFUSED for caller …0142',
    );
  });

  it('stop() waits for the batch in flight and delivers nothing afterwards', async () => {
    let release!: () => void;
    const handled: string[] = [];
    const { queue, delivered } = queueWith(
      async (event) => {
        await new Promise<void>((resolve) => (release = resolve));
        handled.push(...event.Records.map((r) => r.body));
        return { batchItemFailures: [] };
      },
      { batchSize: 1 },
    );
    queue.send('in flight');
    queue.send('waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const stopped = queue.stop();
    release();
    await stopped;
    queue.send('after stop');
    await queue.idle();
    expect(handled).toEqual(['in flight']);
    expect(delivered.map((m) => m.body)).toEqual(['in flight']);
  });
});
