import type { S3Event } from 'aws-lambda';
import type { RecordedRequest } from '../../support/mem0-server';
import { recordedPostCall } from '../../support/signing';
import { TestBed } from '../../support/test-bed';

const MARGARET = '+16125550142';
const addRequests = (bed: TestBed) => bed.mem0.requests.filter((r) => r.path === '/v3/memories/add/');
const addBody = (request: RecordedRequest) =>
  request.body as {
    user_id: string;
    infer: boolean;
    timestamp?: number;
    metadata: Record<string, unknown>;
    messages: Array<{ role: string; content: string }>;
  };

const webCall = (conversationId: string, candidates: { userId?: string; phone?: string } = {}) => ({
  type: 'post_call_transcription',
  event_timestamp: 1768404600,
  data: {
    agent_id: 'agent_web',
    conversation_id: conversationId,
    user_id: candidates.userId ?? null,
    transcript: [
      { role: 'agent', message: 'Hi! What can I do for you?' },
      { role: 'user', message: 'I would like to book a table for two on Friday evening.' },
      { role: 'agent', message: null },
      { role: 'user', message: '...' },
    ],
    metadata: {
      start_time_unix_secs: 1768404000,
      call_duration_secs: 95,
      ...(candidates.phone ? { phone_call: { external_number: candidates.phone, type: 'twilio' } } : {}),
    },
    analysis: {
      transcript_summary: 'The caller booked a table for two on Friday.',
      evaluation_criteria_results: { booking_made: { result: 'success', rationale: 'A table was booked.' } },
      data_collection_results: { party_size: { value: 2 }, user_name: { value: null } },
    },
  },
});

describe('ingest worker', () => {
  let bed: TestBed;
  beforeEach(async () => {
    bed = await TestBed.start({ memoryWriteDeadlineMs: 300 });
  });
  afterEach(() => bed.stop());

  it('turns a call into factual, semantic and profile memories with the call metadata', async () => {
    await bed.deliverPostCall(webCall('conv_web', { userId: 'crm-42' }));
    expect((await bed.drainIngest()).batchItemFailures).toEqual([]);

    const adds = addRequests(bed).map(addBody);
    expect(adds.map((a) => a.metadata.type)).toEqual(['factual', 'semantic', 'profile']);
    for (const add of adds) {
      expect(add.user_id).toBe('crm-42');
      expect(add.timestamp).toBe(1768404000); // dated by the call, not by when it was ingested
      expect(add.metadata).toMatchObject({
        agent_id: 'agent_web',
        conversation_id: 'conv_web',
        timestamp: new Date(1768404000 * 1000).toISOString(),
        call_duration: 95,
      });
    }
    const [factual, semantic, profile] = adds;
    expect(factual.infer).toBe(false);
    expect(factual.messages[0].content).toContain('The caller booked a table for two on Friday.');
    expect(factual.messages[0].content).toContain('booking_made: A table was booked.');
    expect(semantic.infer).toBe(true);
    expect(semantic.messages).toEqual([
      { role: 'assistant', content: 'Hi! What can I do for you?' },
      { role: 'user', content: 'I would like to book a table for two on Friday evening.' },
    ]);
    expect(profile.metadata.profile).toEqual({ party_size: 2 });
  });

  it('keeps a per-caller copy of the transcript under post-call/{caller}/', async () => {
    const payload = webCall('conv_phone', { phone: '+1 612 555 0142' });
    await bed.deliverPostCall(payload);
    await bed.drainIngest();
    const copy = await bed.s3.getObject(`post-call/${MARGARET}/conv_phone/transcript.json`);
    expect(JSON.parse(copy.body.toString())).toEqual(payload);
  });

  it('archives only, and says why, when the call has no caller identity', async () => {
    await bed.deliverPostCall(webCall('conv_anonymous'));
    const result = await bed.drainIngest();
    expect(result.batchItemFailures).toEqual([]);
    expect(addRequests(bed)).toHaveLength(0);
    expect((await bed.s3.listKeys('post-call/raw/')).some((k) => k.includes('/conv_anonymous/'))).toBe(true);
  });

  it('leaves the memories of one delivery when a delivery is replayed three times', async () => {
    const payload = webCall('conv_replayed', { phone: MARGARET });
    for (let attempt = 0; attempt < 3; attempt++) await bed.deliverPostCall(payload);
    const first = await bed.drainIngest();
    expect(first.batchItemFailures).toEqual([]);
    // S3 and SQS deliver at least once: the same notifications arrive again.
    await bed.deliverPostCall(payload);
    const again = bed.pendingNotifications();
    await bed.drainIngest();
    await bed.redeliver(again);
    expect(addRequests(bed)).toHaveLength(3);
    expect(bed.mem0.memoriesOf(MARGARET).filter((m) => m.metadata.conversation_id === 'conv_replayed')).toHaveLength(
      // factual + one extracted per user message + profile
      1 + 1 + 1,
    );
  });

  it('counts and logs only what a delivery wrote: a redelivery of a written conversation writes and counts none', async () => {
    const written = jest.spyOn(bed.tools.ingest.metrics, 'addMetric');
    const logged = jest.spyOn(bed.tools.ingest.logger, 'info');
    const memoriesWrittenMetric = () =>
      written.mock.calls.filter(([name]) => name === 'MemoriesWritten').map(([, , value]) => value);
    const ingestedLog = () =>
      logged.mock.calls.filter(([, details]) => (details as { turns?: number } | undefined)?.turns !== undefined);
    await bed.deliverPostCall(webCall('conv_counted', { phone: MARGARET }));
    const notifications = bed.pendingNotifications();

    await bed.drainIngest();
    await bed.redeliver(notifications);

    expect(memoriesWrittenMetric()).toEqual([3, 0]);
    expect(ingestedLog().map(([message]) => message)).toEqual([
      'conversation ingested',
      'conversation ingested before: nothing written again',
    ]);
    expect(ingestedLog()[1][1]).toMatchObject({
      memoriesWritten: [],
      memoriesWrittenEarlier: ['factual', 'semantic', 'profile'],
    });
    expect(addRequests(bed)).toHaveLength(3);
  });

  it('fails the record while memory hangs, keeps the raw payload, and ingests once memory is back', async () => {
    await bed.deliverPostCall(webCall('conv_outage', { phone: MARGARET }));
    const notifications = bed.pendingNotifications();
    bed.mem0.behave({ mode: 'hang' });
    const failed = await bed.drainIngest();
    expect(failed.batchItemFailures).toHaveLength(1);
    expect((await bed.s3.listKeys('post-call/raw/')).some((k) => k.includes('/conv_outage/'))).toBe(true);

    bed.mem0.behave({ mode: 'normal' });
    expect((await bed.redeliver(notifications)).batchItemFailures).toEqual([]);
    expect(bed.mem0.memoriesOf(MARGARET).filter((m) => m.metadata.conversation_id === 'conv_outage')).toHaveLength(3);
  });

  it('does not write again what succeeded before a failure part-way through', async () => {
    await bed.deliverPostCall(webCall('conv_partial', { phone: MARGARET }));
    const notifications = bed.pendingNotifications();
    let adds = 0;
    const record = bed.mem0.requests.push.bind(bed.mem0.requests);
    bed.mem0.requests.push = (...requests: RecordedRequest[]) => {
      // From the second write on, Mem0 is down for longer than the in-delivery retries last.
      if (requests[0].path === '/v3/memories/add/' && ++adds === 2) bed.mem0.behave({ mode: 'status', status: 503 });
      return record(...requests);
    };
    expect((await bed.drainIngest()).batchItemFailures).toHaveLength(1);
    bed.mem0.behave({ mode: 'normal' });
    expect((await bed.redeliver(notifications)).batchItemFailures).toEqual([]);
    const types = bed.mem0.memoriesOf(MARGARET).map((m) => m.metadata.type);
    expect(types.filter((t) => t === 'factual')).toHaveLength(1);
    expect(types.filter((t) => t === 'semantic')).toHaveLength(1);
    expect(types.filter((t) => t === 'profile')).toHaveLength(1);
  });

  it('rides out a short rate limit with backoff inside one delivery', async () => {
    await bed.deliverPostCall(webCall('conv_rate_limited', { phone: MARGARET }));
    bed.mem0.behave({ mode: 'status', status: 429, times: 2 });
    expect((await bed.drainIngest()).batchItemFailures).toEqual([]);
    expect(
      bed.mem0.memoriesOf(MARGARET).filter((m) => m.metadata.conversation_id === 'conv_rate_limited'),
    ).toHaveLength(3);
  });

  it.each([429, 500])(
    'fails the record when Mem0 keeps answering %i, so the queue retries it later',
    async (status) => {
      await bed.deliverPostCall(webCall('conv_refused', { phone: MARGARET }));
      bed.mem0.behave({ mode: 'status', status });
      expect((await bed.drainIngest()).batchItemFailures).toHaveLength(1);
    },
  );

  it('skips inbox objects that are not transcriptions without failing', async () => {
    await bed.deliverPostCall({
      type: 'call_initiation_failure',
      data: { conversation_id: 'conv_busy', failure_reason: 'busy' },
    });
    expect((await bed.drainIngest()).batchItemFailures).toEqual([]);
    expect(addRequests(bed)).toHaveLength(0);
  });

  it('ignores objects outside the post-call inbox', async () => {
    const outside = {
      Records: [
        { eventName: 'ObjectCreated:Put', s3: { object: { key: 'post-call/%2B16125550142/conv_x/transcript.json' } } },
      ],
    };
    expect((await bed.redeliver([outside as unknown as S3Event])).batchItemFailures).toEqual([]);
    expect(addRequests(bed)).toHaveLength(0);
  });

  it('reports a message that is not an S3 notification as failed', async () => {
    const response = await bed.redeliver([]);
    expect(response.batchItemFailures).toEqual([]);
    const broken = await (
      bed as unknown as { ingest: (e: unknown, c: unknown) => Promise<{ batchItemFailures: unknown[] }> }
    ).ingest(
      {
        Records: [{ messageId: 'm1', body: 'not json', eventSource: 'aws:sqs', attributes: {}, messageAttributes: {} }],
      },
      { getRemainingTimeInMillis: () => 10000, functionName: 'ingest' },
    );
    expect(broken.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
  });
});

describe('ingest of the recorded calls', () => {
  it('archives and ingests the 35-minute call', async () => {
    const bed = await TestBed.start();
    try {
      const raw = recordedPostCall('post_call_transcription.memoir-session-2-35min');
      const conversationId = JSON.parse(raw.toString()).data.conversation_id as string;
      expect((await bed.deliverPostCall(raw)).statusCode).toBe(200);
      expect((await bed.drainIngest()).batchItemFailures).toEqual([]);

      const adds = addRequests(bed).map(addBody);
      expect(adds.map((a) => a.metadata.type)).toEqual(['factual', 'semantic', 'profile']);
      const semantic = adds[1];
      expect(semantic.messages.length).toBeGreaterThan(50);
      expect(semantic.messages.every((m) => m.content.trim() !== '...' && m.content.trim() !== '')).toBe(true);
      expect(new Set(semantic.messages.map((m) => m.role))).toEqual(new Set(['user', 'assistant']));
      const copy = await bed.s3.getObject(`post-call/${MARGARET}/${conversationId}/transcript.json`);
      expect(copy.body.equals(raw)).toBe(true);
    } finally {
      await bed.stop();
    }
  });
});
