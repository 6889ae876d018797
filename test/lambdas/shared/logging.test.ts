import { apiGatewayEvent, lambdaContext } from '../../support/http-event';
import { TEST_WEBHOOK_SECRET, recordedPostCall } from '../../support/signing';
import { RETRIEVE_KEY, TestBed, WORKSPACE_KEY } from '../../support/test-bed';

/**
 * Logs go to CloudWatch, readable by every operator: they must carry no transcript text, no full
 * phone number and no secret, on success paths and error paths alike.
 */
describe('what the handlers log', () => {
  const lines: string[] = [];
  let bed: TestBed;
  const restore: Array<() => void> = [];

  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array) => {
        lines.push(chunk.toString());
        return true;
      }) as typeof stream.write;
      restore.push(() => (stream.write = original));
    }
    bed = await TestBed.start({ env: { MEMORY_DEADLINE_MS: '200' }, memoryWriteDeadlineMs: 200 });

    const call = recordedPostCall('post_call_transcription.memoir-session-1');
    await bed.deliverPostCall(call);
    await bed.drainIngest();
    await bed.callClientData({ caller_id: '+16125550142', call_sid: 'CA1' });
    await bed.callRetrieve({ query: 'Duluth', user_id: '+16125550142' });
    await bed.callClientData({ caller_id: '+16125550142' }, { 'x-workspace-key': 'wrong' });
    await bed.callRetrieve({ query: '', user_id: '+16125550142' });
    await bed.postCall(
      apiGatewayEvent({ body: call, headers: { 'elevenlabs-signature': 't=1,v0=00' } }),
      lambdaContext('post-call'),
    );
    bed.mem0.behave({ mode: 'hang' });
    await bed.callClientData({ caller_id: '+16125550142' });
    await bed.callRetrieve({ query: 'Duluth', user_id: '+16125550142' });
    await bed.deliverPostCall(recordedPostCall('post_call_transcription.short-greeting'));
    await bed.drainIngest();
  });

  afterAll(async () => {
    restore.forEach((undo) => undo());
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    await bed.stop();
  });

  it('logs every endpoint, with correlation ids', () => {
    const entries = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const services = new Set(entries.map((e) => e.service));
    expect(services).toEqual(new Set(['client-data', 'retrieve', 'post-call', 'ingest']));
    expect(entries.some((e) => e.correlation_id === 'CA1')).toBe(true);
    expect(entries.some((e) => e.level === 'WARN' && /memory unavailable/.test(e.message))).toBe(true);
  });

  it('never contains a full phone number', () => {
    const all = lines.join('');
    expect(lines.filter((l) => l.includes('6125550142'))).toEqual([]);
    expect(all).not.toContain('6125550142');
    expect(all).toContain('+1…0142');
  });

  it('never contains transcript text', () => {
    const transcript = JSON.parse(recordedPostCall('post_call_transcription.memoir-session-1').toString()).data
      .transcript as Array<{ message: string | null }>;
    const all = lines.join('');
    const distinctive = transcript.map((t) => t.message ?? '').filter((m) => m.length > 40);
    expect(distinctive.length).toBeGreaterThan(10);
    for (const message of distinctive) expect(all).not.toContain(message.slice(0, 40));
  });

  it('never contains a secret', () => {
    const all = lines.join('');
    for (const secret of [WORKSPACE_KEY, RETRIEVE_KEY, TEST_WEBHOOK_SECRET, bed.mem0.apiKey])
      expect(all).not.toContain(secret);
  });
});
