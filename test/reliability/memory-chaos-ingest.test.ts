import { randomUUID } from 'node:crypto';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { InProcessQueue, type QueueMessage } from '../../lambdas/local/in-process-queue';
import { archivedKeys, createIngestHandler } from '../../lambdas/ingest/handler';
import { idempotentWrites } from '../../lambdas/ingest/idempotency';
import { createPayloadIngester } from '../../lambdas/ingest/ingest-archived-payload';
import { RAW_POST_CALL_PREFIX } from '../../lambdas/shared/archive';
import { createPowertools } from '../../lambdas/shared/powertools';
import { AgentCorePeer, MEMORY_BACKENDS_UNDER_TEST, type MemoryBackendUnderTest } from '../support/memory-peers';
import { TestBed } from '../support/test-bed';
import {
  eventually,
  expectedCounts,
  fictionalNumber,
  testCall,
  type MemoryCounts,
  type TestCall,
} from './support/calls';
import { StoreChaos, type ChaosMode } from './support/store-chaos';

/**
 * The ingest worker as on AWS — the real memory client (mem0ai against the Mem0 routes, or the
 * AgentCore client against the AgentCore data plane), S3 archive (s3rver), Powertools idempotency
 * on DynamoDB (dynalite) — fed as SQS feeds it: the archive's object-created notifications, in
 * batches, failed records redelivered with a rising ApproximateReceiveCount and a growing delay,
 * dead-lettered after 5 receives (the construct's maxReceiveCount). The memory store meanwhile
 * throttles, fails, answers slowly, resets connections and hangs (and AgentCore also refuses for
 * quota, conflicts, and fails records inside a batch). Whatever happens, every acknowledged call
 * ends up in exactly one of two places: ingested once, or in the dead-letter queue with its raw
 * payload intact in the archive — and a redrive once the store is back ingests those once too.
 */
const MAX_RECEIVE_COUNT = 5;
/**
 * Well above the slow answers below (50 ms), even on a loaded machine; a hang costs this much per
 * write. An answer slower than the deadline that still stores the memory is a known bug (written
 * twice on redelivery): see known-bugs.failing.ts.
 */
const WRITE_DEADLINE_MS = 600;
const AREA = 415;
const DOOMED = 2;
const CALLS = 30;
const CHAOS_CYCLES = 2;

/** The very first write succeeds; then the store is down for good (until stopped). */
const OUTAGE = {
  prelude: [{ name: 'outage: the first write answered', fault: { kind: 'normal' }, writes: 1 }],
  cycle: [
    { name: 'outage: 503', fault: { kind: 'error', status: 503 }, writes: 2 },
    { name: 'outage: reset', fault: { kind: 'reset' }, writes: 2 },
    { name: 'outage: 500', fault: { kind: 'error', status: 500 }, writes: 2 },
    { name: 'outage: hang', fault: { kind: 'hang' }, writes: 1 },
    { name: 'outage: 429', fault: { kind: 'throttle' }, writes: 2 },
  ],
} satisfies { prelude: ChaosMode[]; cycle: ChaosMode[] };
/** Every kind of failure, interleaved with good and slow answers. */
const CHAOS: ChaosMode[] = [
  { name: '429', fault: { kind: 'throttle' }, writes: 3 },
  { name: '500', fault: { kind: 'error', status: 500 }, writes: 3 },
  { name: 'slow', fault: { kind: 'normal', delayMs: 50 }, writes: 3 },
  { name: '502', fault: { kind: 'error', status: 502 }, writes: 2 },
  { name: 'reset', fault: { kind: 'reset' }, writes: 3 },
  { name: '503', fault: { kind: 'error', status: 503 }, writes: 2 },
  { name: 'hang', fault: { kind: 'hang' }, writes: 1 },
  { name: 'normal', fault: { kind: 'normal' }, writes: 3 },
];
/** How AgentCore alone fails: a quota, a conflict worth retrying, records failed inside a batch that answered 201. */
const AGENTCORE_CHAOS: ChaosMode[] = [
  {
    name: 'quota (402)',
    fault: { kind: 'agentcore-error', status: 402, errorType: 'ServiceQuotaExceededException' },
    writes: 2,
  },
  {
    name: 'conflict (409)',
    fault: { kind: 'agentcore-error', status: 409, errorType: 'RetryableConflictException' },
    writes: 2,
  },
  { name: 'records failed in a batch', fault: { kind: 'record-failures' }, writes: 3 },
  { name: 'normal again', fault: { kind: 'normal' }, writes: 2 },
];
const chaosOf = (backend: MemoryBackendUnderTest) => (backend === 'agentcore' ? [...CHAOS, ...AGENTCORE_CHAOS] : CHAOS);

interface DeadLetter {
  keys: string[];
  message: QueueMessage;
}

describe.each(MEMORY_BACKENDS_UNDER_TEST)(
  'ingest while the memory store (%s) misbehaves, driven as SQS drives it',
  (backend) => {
    let bed: TestBed;
    let chaos: StoreChaos;
    let queue: InProcessQueue;
    const delivered: string[] = [];
    const deadLetters: DeadLetter[] = [];
    /** ApproximateReceiveCount of every delivery the worker saw, by inbox key. */
    const receiveCounts = new Map<string, number[]>();
    let unsubscribe: () => void;

    beforeAll(async () => {
      bed = await TestBed.start({ memory: backend });
      chaos = new StoreChaos(bed.memory);
      const table = `idempotency-chaos-${randomUUID()}`;
      await bed.dynamodb.createIdempotencyTable(table);
      const tools = createPowertools('ingest');
      const ingest = createIngestHandler({
        tools,
        ingestArchivedPayload: createPayloadIngester({
          archive: bed.s3.archive,
          memory: chaos.wrap(bed.memory.store({ requestTimeoutMs: WRITE_DEADLINE_MS })),
          tools,
          memoryWriteDeadlineMs: WRITE_DEADLINE_MS,
          idempotency: idempotentWrites(
            new DynamoDBPersistenceLayer({
              tableName: table,
              clientConfig: {
                endpoint: bed.dynamodb.endpoint,
                region: 'us-east-1',
                credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
              },
            }),
          ),
        }),
      });
      const observed = (event: SQSEvent, context: Context) => {
        for (const record of event.Records) {
          for (const key of archivedKeys(record.body)) {
            receiveCounts.set(key, [
              ...(receiveCounts.get(key) ?? []),
              Number(record.attributes.ApproximateReceiveCount),
            ]);
          }
        }
        return ingest(event, context);
      };
      queue = new InProcessQueue({
        name: 'agentic-memory-ingest',
        handler: observed,
        functionName: 'agentic-memory-ingest',
        functionTimeoutMs: 60_000,
        batchSize: 10,
        maxReceiveCount: MAX_RECEIVE_COUNT,
        retryDelayMs: 50,
        maxRetryDelayMs: 400,
        logger: tools.logger,
        onDelivered: async (message) => {
          delivered.push(...archivedKeys(message.body));
        },
        onDeadLetter: async (message) => {
          deadLetters.push({ keys: archivedKeys(message.body), message: { ...message } });
        },
      });
      // The bucket notification of the construct: only the post-call inbox reaches the queue.
      unsubscribe = bed.s3.onObjectCreated((event) => {
        for (const record of event.Records) {
          if (archivedKeys(JSON.stringify({ Records: [record] })).some((key) => key.startsWith(RAW_POST_CALL_PREFIX))) {
            queue.send(JSON.stringify({ Records: [record] }));
          }
        }
      });
    });

    afterAll(async () => {
      unsubscribe();
      await queue.stop();
      await bed.stop();
    });

    it('ingests every call exactly once or dead-letters it with its raw payload intact; a redrive after recovery ingests the rest once', async () => {
      const calls = Array.from({ length: CALLS }, (_, i) => testCall(fictionalNumber(AREA, i), i));
      const doomed = calls.slice(0, DOOMED);
      const rest = calls.slice(DOOMED);
      const keyOf = new Map<TestCall, string>();
      const deadLettered = () => new Set(deadLetters.flatMap((letter) => letter.keys));
      const counts = (call: TestCall): MemoryCounts => bed.memory.stored(call.callerId, call.conversationId);
      const deliver = async (batch: TestCall[]) => {
        const answers = await Promise.all(batch.map((call) => bed.deliverPostCall(Buffer.from(call.rawBody))));
        expect(answers.map((answer) => answer.statusCode)).toEqual(batch.map(() => 200));
        const inbox = await bed.s3.listKeys(RAW_POST_CALL_PREFIX);
        for (const call of batch) {
          const key = inbox.find((k) => k.includes(`/${call.conversationId}/`));
          expect(key).toBeDefined();
          keyOf.set(call, key as string);
        }
      };

      // 1. An outage that outlasts every delivery, after one write went through: one call is
      //    dead-lettered half-written, the other unwritten.
      const outage = chaos.start(OUTAGE);
      await deliver(doomed);
      await eventually(
        'the calls delivered during the outage to be dead-lettered',
        () => doomed.every((call) => deadLettered().has(keyOf.get(call) as string)),
        25_000,
      );
      chaos.stop();

      // 2. Chaos: every kind of failure, interleaved with good answers, while the other calls arrive.
      const cycles = chaos.start({ cycle: chaosOf(backend) });
      await deliver(rest);
      await eventually(
        `${CHAOS_CYCLES} cycles of chaos`,
        () => cycles.cycles >= CHAOS_CYCLES || queueIsIdle(queue),
        25_000,
      );
      chaos.stop();
      await withTimeout(queue.idle(), 20_000, 'the queue to go idle once the store recovered');

      // Every mode was met by real writes; the worker saw the receive count rise up to the limit.
      for (const [name, hits] of [...outage.hits, ...cycles.hits])
        expect({ name, hits: hits > 0 }).toEqual({ name, hits: true });
      for (const call of doomed) expect(receiveCounts.get(keyOf.get(call) as string)).toEqual([1, 2, 3, 4, 5]);
      // A call's first write is its factual memory: whichever call came first got that one in.
      expect(doomed.map(counts).sort((a, b) => a.factual - b.factual)).toEqual([
        { factual: 0, semantic: 0, profile: 0 },
        { factual: 1, semantic: 0, profile: 0 },
      ]);

      // None vanished: each call is either ingested or dead-lettered, never both, never neither.
      const ingested = new Set(delivered);
      for (const call of calls) {
        const key = keyOf.get(call) as string;
        expect({ key, outcomes: Number(ingested.has(key)) + Number(deadLettered().has(key)) }).toEqual({
          key,
          outcomes: 1,
        });
        const expected = expectedCounts(call, backend);
        if (ingested.has(key)) {
          // Ingested means every memory type written, each once.
          expect({ key, counts: counts(call) }).toEqual({ key, counts: expected });
        } else {
          // Dead-lettered: the raw payload byte for byte in the archive, nothing written twice.
          expect((await bed.s3.getObject(key)).body.toString('utf8')).toBe(call.rawBody);
          const partial = counts(call);
          expect(partial.factual).toBeLessThanOrEqual(1);
          expect(partial.profile).toBeLessThanOrEqual(1);
          expect([0, expected.semantic]).toContain(partial.semantic);
          expect(receiveCounts.get(key)?.at(-1)).toBe(MAX_RECEIVE_COUNT);
        }
      }

      // 3. The store is back; the operator redrives the dead-letter queue: every call is now ingested once.
      const redriven = deadLetters.splice(0);
      for (const letter of redriven) queue.send(letter.message.body);
      await withTimeout(queue.idle(), 20_000, 'the redriven messages to be processed');
      expect(deadLetters).toEqual([]);
      for (const call of calls) {
        expect({ conversation: call.conversationId, counts: counts(call) }).toEqual({
          conversation: call.conversationId,
          counts: expectedCounts(call, backend),
        });
      }
      // AgentCore: not a single event or record written twice, not even one part of a memory.
      if (bed.memory instanceof AgentCorePeer) {
        for (const call of calls) expect(bed.memory.duplicateParts(call.callerId)).toEqual([]);
      }
    }, 90_000);
  },
);

function queueIsIdle(queue: InProcessQueue): boolean {
  return queue.depth === 0;
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
