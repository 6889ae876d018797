import { audioKey, callerTranscriptKey, parseRawPostCallKey, type Archive } from '../../../lambdas/shared/archive';
import { signElevenLabsPayload } from '../../../lambdas/shared/elevenlabs/signature';
import { readFixture } from '../../support/fixtures';
import { apiGatewayEvent, lambdaContext } from '../../support/http-event';
import { TEST_WEBHOOK_SECRET, recordedPostCall } from '../../support/signing';
import { TestBed, json } from '../../support/test-bed';

const transcription = (conversationId: string) => ({
  type: 'post_call_transcription',
  event_timestamp: 1768404600,
  data: {
    agent_id: 'agent_1',
    conversation_id: conversationId,
    transcript: [{ role: 'user', message: 'Hello, my name is Margaret.' }],
    metadata: { phone_call: { external_number: '+16125550142' } },
    analysis: { transcript_summary: 'Margaret said hello.' },
  },
});

describe('post-call (webhook receiver)', () => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await TestBed.start();
  });
  afterAll(() => bed.stop());

  const send = (rawBody: Buffer | string, headers: Record<string, string>) =>
    bed.postCall(apiGatewayEvent({ body: Buffer.from(rawBody), headers }), lambdaContext('post-call'));

  describe('signature', () => {
    const body = Buffer.from(JSON.stringify(transcription('conv_sig')));
    const now = () => Math.floor(Date.now() / 1000);

    it.each([
      ['no signature', {}],
      ['a malformed header', { 'elevenlabs-signature': 'garbage' }],
      ['a wrong secret', { 'elevenlabs-signature': signElevenLabsPayload(body, 'other-secret', now()) }],
      [
        'a timestamp 31 minutes old',
        { 'elevenlabs-signature': signElevenLabsPayload(body, TEST_WEBHOOK_SECRET, now() - 31 * 60) },
      ],
      [
        'a timestamp 10 minutes ahead',
        { 'elevenlabs-signature': signElevenLabsPayload(body, TEST_WEBHOOK_SECRET, now() + 600) },
      ],
    ])('refuses %s with 401 and stores nothing', async (_, headers) => {
      const before = await bed.s3.listKeys();
      const rejections = jest.spyOn(bed.tools.postCall.metrics, 'addMetric');
      const response = await send(body, headers);
      expect(response.statusCode).toBe(401);
      expect(json(response).error).toMatch(/ElevenLabs-Signature/);
      expect(await bed.s3.listKeys()).toEqual(before);
      expect(rejections).toHaveBeenCalledWith('SignatureRejections', 'Count', 1);
      rejections.mockRestore();
    });

    it.each([
      ['as text', false],
      ['base64-encoded', true],
    ])(
      'accepts a signed body that begins with a UTF-8 BOM (%s), archives its exact bytes, and ingests it',
      async (_, base64) => {
        const raw = Buffer.concat([
          Buffer.from([0xef, 0xbb, 0xbf]),
          Buffer.from(JSON.stringify(transcription(`conv_bom_${base64}`))),
        ]);
        const signature = signElevenLabsPayload(raw, TEST_WEBHOOK_SECRET, now());
        const event = apiGatewayEvent({ body: raw, base64, headers: { 'elevenlabs-signature': signature } });
        // API Gateway hands a text body over as a string: the BOM is its first character.
        if (!base64) expect(event.body?.startsWith('\uFEFF')).toBe(true);
        const response = await bed.postCall(event, lambdaContext('post-call'));
        expect([response.statusCode, json(response)]).toEqual([200, { status: 'ok' }]);
        const key = (await bed.s3.listKeys('post-call/raw/')).find((k) => k.includes(`/conv_bom_${base64}/`));
        expect((await bed.s3.getObject(key!)).body.equals(raw)).toBe(true);

        expect((await bed.drainIngest()).batchItemFailures).toEqual([]);
        const copy = await bed.s3.getObject(callerTranscriptKey('+16125550142', `conv_bom_${base64}`));
        expect(JSON.parse(copy.body.toString())).toEqual(transcription(`conv_bom_${base64}`));
      },
    );

    it('refuses a tampered body', async () => {
      const signature = signElevenLabsPayload(body, TEST_WEBHOOK_SECRET, now());
      const tampered = Buffer.from(body.toString().replace('Margaret', 'Mallory'));
      expect((await send(tampered, { 'elevenlabs-signature': signature })).statusCode).toBe(401);
    });
  });

  it('stores a transcription in the inbox before it answers 200', async () => {
    const response = await bed.deliverPostCall(transcription('conv_stored'));
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ status: 'ok' });
    const keys = await bed.s3.listKeys('post-call/raw/');
    const key = keys.find((k) => k.includes('/conv_stored/post_call_transcription-'));
    expect(key).toBeDefined();
    expect(JSON.parse((await bed.s3.getObject(key!)).body.toString())).toEqual(transcription('conv_stored'));
  });

  it('verifies and stores the exact bytes of a base64-encoded delivery', async () => {
    const raw = Buffer.from(JSON.stringify(transcription('conv_b64'), null, 2));
    expect((await bed.deliverPostCall(raw, { base64: true })).statusCode).toBe(200);
    const key = (await bed.s3.listKeys('post-call/raw/')).find((k) => k.includes('/conv_b64/'));
    expect((await bed.s3.getObject(key!)).body.equals(raw)).toBe(true);
  });

  it('stores a byte-identical retry on the same key', async () => {
    const raw = Buffer.from(JSON.stringify(transcription('conv_retry')));
    await bed.deliverPostCall(raw);
    await bed.deliverPostCall(raw);
    const keys = (await bed.s3.listKeys('post-call/raw/')).filter((k) => k.includes('/conv_retry/'));
    expect(keys).toHaveLength(1);
  });

  it.each([
    ['not JSON', '{"type":', 'not valid JSON'],
    ['no type', { data: { conversation_id: 'c' } }, 'type'],
    ['a transcription without conversation_id', { type: 'post_call_transcription', data: {} }, 'data.conversation_id'],
    [
      'audio that is not base64',
      { type: 'post_call_audio', data: { conversation_id: 'c', full_audio: '***' } },
      'full_audio',
    ],
  ])('answers a signed but unusable payload (%s) with 400 and stores nothing', async (_, payload, field) => {
    const before = await bed.s3.listKeys();
    const response = await bed.deliverPostCall(typeof payload === 'string' ? payload : payload);
    expect(response.statusCode).toBe(400);
    expect(json(response).error).toContain(field);
    expect(await bed.s3.listKeys()).toEqual(before);
  });

  it('archives and acknowledges an event type it does not know', async () => {
    const response = await bed.deliverPostCall({
      type: 'post_call_future_thing',
      data: { conversation_id: 'conv_future' },
    });
    expect(response.statusCode).toBe(200);
    expect(
      (await bed.s3.listKeys('post-call/raw/')).some((k) => k.includes('/conv_future/post_call_future_thing-')),
    ).toBe(true);
  });

  it('keeps conv_a/b and conv_a_b apart: transcriptions, recordings and per-caller copies (once one recording overwrote the other)', async () => {
    const ids = ['conv_a/b', 'conv_a_b'];
    const recordings = ids.map((id) => Buffer.from(`ID3 recording of ${id}`.padEnd(36, '.')));
    for (const [i, id] of ids.entries()) {
      expect((await bed.deliverPostCall(transcription(id))).statusCode).toBe(200);
      const audio = {
        type: 'post_call_audio',
        data: { conversation_id: id, full_audio: recordings[i].toString('base64') },
      };
      expect((await bed.deliverPostCall(audio)).statusCode).toBe(200);
    }

    for (const [i, id] of ids.entries()) {
      expect((await bed.s3.getObject(audioKey(id))).body.equals(recordings[i])).toBe(true);
    }
    const inbox = (await bed.s3.listKeys('post-call/raw/')).filter((key) =>
      ids.includes(parseRawPostCallKey(key)?.conversationId ?? ''),
    );
    expect(inbox.map((key) => parseRawPostCallKey(key)?.conversationId).sort()).toEqual([...ids].sort());
    for (const key of inbox) {
      const stored = JSON.parse((await bed.s3.getObject(key)).body.toString()) as { data: { conversation_id: string } };
      expect(stored.data.conversation_id).toBe(parseRawPostCallKey(key)?.conversationId);
    }

    expect((await bed.drainIngest()).batchItemFailures).toEqual([]);
    for (const id of ids) {
      const copy = await bed.s3.getObject(callerTranscriptKey('+16125550142', id));
      expect((JSON.parse(copy.body.toString()) as { data: { conversation_id: string } }).data.conversation_id).toBe(id);
    }
  });

  it('answers 503 and acknowledges nothing when the archive cannot store the payload', async () => {
    const failing = await TestBed.start({
      archive: (real): Archive => ({
        ...real,
        getText: (key) => real.getText(key),
        putJson: async () => {
          throw new Error('S3 unavailable');
        },
        putAudio: async () => {
          throw new Error('S3 unavailable');
        },
      }),
    });
    try {
      const response = await failing.deliverPostCall(transcription('conv_lost'));
      expect(response.statusCode).toBe(503);
      expect(json(response).error).toMatch(/could not be stored/);
    } finally {
      await failing.stop();
    }
  });
});

describe('post-call with documented and recorded payloads', () => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await TestBed.start();
  });
  afterAll(() => bed.stop());

  it('decodes the audio webhook and stores it as audio/mpeg under the conversation', async () => {
    const payload = readFixture('elevenlabs/documented/post_call_audio.json');
    const conversationId = JSON.parse(payload.toString()).data.conversation_id as string;
    expect((await bed.deliverPostCall(payload)).statusCode).toBe(200);
    const stored = await bed.s3.getObject(`post-call/audio/${conversationId}.mp3`);
    expect(stored.contentType).toBe('audio/mpeg');
    expect(stored.body.equals(readFixture('elevenlabs/documented/sample_silence.mp3'))).toBe(true);
  });

  it.each(['call_initiation_failure.twilio.json', 'call_initiation_failure.sip.json'])(
    'archives %s and answers 200',
    async (file) => {
      const payload = readFixture(`elevenlabs/documented/${file}`);
      const conversationId = JSON.parse(payload.toString()).data.conversation_id as string;
      expect((await bed.deliverPostCall(payload)).statusCode).toBe(200);
      const keys = await bed.s3.listKeys('post-call/raw/');
      expect(keys.some((k) => k.includes(`/${conversationId}/call_initiation_failure-`))).toBe(true);
    },
  );

  it('accepts the signed legacy flat format as a transcription', async () => {
    expect((await bed.deliverPostCall(recordedPostCall('seed-legacy-flat'))).statusCode).toBe(200);
    const keys = await bed.s3.listKeys('post-call/raw/');
    expect(keys.some((k) => k.includes('/conv_01jzfrjvcce0vsea1fcbpp9p04/post_call_transcription-'))).toBe(true);
  });

  it('archives the 35-minute call byte for byte', async () => {
    const raw = recordedPostCall('post_call_transcription.memoir-session-2-35min');
    expect((await bed.deliverPostCall(raw)).statusCode).toBe(200);
    const conversationId = JSON.parse(raw.toString()).data.conversation_id as string;
    const key = (await bed.s3.listKeys('post-call/raw/')).find((k) => k.includes(`/${conversationId}/`));
    expect((await bed.s3.getObject(key!)).body.equals(raw)).toBe(true);
  });
});
