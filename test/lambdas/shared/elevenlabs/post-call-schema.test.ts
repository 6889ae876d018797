import { HttpError } from '../../../../lambdas/shared/http/errors';
import type { ConversationRecord, PostCallEvent } from '../../../../lambdas/shared/elevenlabs/post-call-event';
import { parsePostCallPayload } from '../../../../lambdas/shared/elevenlabs/post-call-schema';
import { readFixture, readFixtureJson } from '../../../support/fixtures';

type Json = Record<string, unknown>;

const fixture = (relPath: string) => readFixtureJson<Json>(`elevenlabs/${relPath}`);

function conversationOf(event: PostCallEvent): ConversationRecord {
  if (event.type !== 'post_call_transcription') throw new Error(`expected a transcription, got ${event.type}`);
  return event.conversation;
}

function parseError(body: Json): HttpError {
  try {
    parsePostCallPayload(body);
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected parsePostCallPayload to throw');
}

const MEANINGLESS = /^[\s.…]*$/;

describe('parsePostCallPayload: recorded payloads', () => {
  it('short greeting: identity candidates, data collection, analysis, timing', () => {
    const event = parsePostCallPayload(fixture('recorded/post_call_transcription.short-greeting.json'));
    expect(event).toMatchObject({ type: 'post_call_transcription', eventTimestamp: 1751802025, legacy: false });
    const conversation = conversationOf(event);
    expect(conversation.conversationId).toBe('conv_01jzfrjvcce0vsea1fcbpp9p04');
    expect(conversation.agentId).toBe('agent_01jxbrc1trfxev5sdp5xk4ra67');
    expect(conversation.callerCandidates).toEqual({
      externalNumber: '+16125550142',
      systemCallerId: '+16125550142',
      userId: undefined,
    });
    expect(conversation.dataCollection).toEqual({
      session_date: '1751802015',
      comfort_level: 'Whenever you’re ready, we can pick up where we left off or dive into a new story...',
      user_name: 'Margaret',
    });
    expect(Object.keys(conversation.evaluationRationales).sort()).toEqual([
      'empathy_displayed',
      'memory_utilized',
      'name_captured',
      'positive_interaction',
      'session_closure',
    ]);
    expect(conversation.evaluationRationales.session_closure).toMatch(/^The conversation ended abruptly/);
    expect(conversation.summary).toBe(
      'The AI agent greeted Margaret, offering to continue a previous story or start a new one.\n',
    );
    expect(conversation.startedAt).toBe(new Date(1751802015 * 1000).toISOString());
    expect(conversation.callDurationSecs).toBe(7);
    expect(conversation.turns).toEqual([
      {
        role: 'agent',
        message: 'Hello, Margaret. Whenever you’re ready, we can pick up where we left off or dive into a new story...',
        timeInCallSecs: 0,
      },
    ]);
  });

  it('35-minute call: 115 turns, the 21 "..." ones dropped, order kept', () => {
    const raw = fixture('recorded/post_call_transcription.memoir-session-2-35min.json');
    const conversation = conversationOf(parsePostCallPayload(raw));
    const wireTurns = (raw.data as { transcript: Array<{ role: string; message: string }> }).transcript;
    expect(wireTurns).toHaveLength(115);
    expect(conversation.turns).toHaveLength(94);
    expect(conversation.turns.some((turn) => MEANINGLESS.test(turn.message))).toBe(false);
    expect(conversation.turns.map((turn) => turn.message)).toEqual(
      wireTurns.filter((turn) => turn.message !== '...').map((turn) => turn.message),
    );
    expect(conversation.callDurationSecs).toBe(2100);
    expect(conversation.startedAt).toBe(new Date(1749764946 * 1000).toISOString());
    expect(conversation.hasAudio).toBe(true);
    expect(conversation.dataCollection.user_name).toBe('Margaret');
    expect(conversation.callerCandidates.externalNumber).toBe('+16125550142');
    expect(conversation.summary).toMatch(/^Margaret recounts her travel adventures/);
  });

  it('first memoir session: 161 turns, 43 "..." dropped, the full name collected', () => {
    const conversation = conversationOf(
      parsePostCallPayload(fixture('recorded/post_call_transcription.memoir-session-1.json')),
    );
    expect(conversation.turns).toHaveLength(118);
    expect(conversation.dataCollection.user_name).toBe('Margaret Ellison');
    expect(conversation.dataCollection.consent_given).toBe('None');
    expect(conversation.callDurationSecs).toBe(1109);
  });

  it('the seed legacy flat format reads as a legacy transcription', () => {
    const event = parsePostCallPayload(fixture('recorded/seed-legacy-flat.json'));
    expect(event).toMatchObject({ type: 'post_call_transcription', legacy: true });
    expect(event.eventTimestamp).toBeUndefined();
    const conversation = conversationOf(event);
    expect(conversation).toMatchObject({
      conversationId: 'conv_01jzfrjvcce0vsea1fcbpp9p04',
      agentId: 'agent_01jxbrc1trfxev5sdp5xk4ra67',
      callerCandidates: { systemCallerId: '+16125550142' },
      callDurationSecs: 7,
      summary: 'The AI agent greeted Margaret, offering to continue a previous story or start a new one.\n',
      dataCollection: {},
    });
    expect(conversation.turns).toHaveLength(1);
    expect(Object.keys(conversation.evaluationRationales)).toHaveLength(5);
    expect(conversation.evaluationRationales.name_captured).toMatch(/^The agent used the name 'Margaret'/);
  });
});

describe('parsePostCallPayload: documented payloads', () => {
  it('transcription with a tool call: tool-only turns (message null) dropped', () => {
    const event = parsePostCallPayload(fixture('documented/post_call_transcription.json'));
    expect(event).toMatchObject({ type: 'post_call_transcription', eventTimestamp: 1768406506, legacy: false });
    const conversation = conversationOf(event);
    expect(conversation.callerCandidates).toEqual({
      externalNumber: '+14155550123',
      systemCallerId: '+14155550123',
      userId: 'mem_user_5a1f0c',
    });
    expect(conversation.turns).toHaveLength(7);
    expect(conversation.turns[1]).toEqual({
      role: 'user',
      message: "Hi, yes, this is Daniel Okafor. I'd like to book a table for two this Friday at seven.",
      timeInCallSecs: 5,
    });
    expect(conversation.dataCollection).toEqual({
      caller_name: 'Daniel Okafor',
      seating_preference: 'window table',
      contact_preference: 'sms',
    });
    expect(conversation.evaluationRationales).toEqual({
      booking_completed: 'The agent confirmed a reservation for two on Friday at 7 PM.',
    });
    expect(conversation.startedAt).toBe(new Date(1768406400 * 1000).toISOString());
    expect(conversation.callDurationSecs).toBe(94);
    expect(conversation.hasAudio).toBe(true);
  });

  it('audio: the base64 string is kept, and decodes to the documented MP3', () => {
    const raw = fixture('documented/post_call_audio.json');
    const event = parsePostCallPayload(raw);
    expect(event).toMatchObject({
      type: 'post_call_audio',
      eventTimestamp: 1768406509,
      conversationId: 'conv_0901kf3w8x7p2qz5y6t4n3m2a1bc',
      agentId: 'agent_7101k5zvyjhmfg983brhmhkd98n6',
    });
    if (event.type !== 'post_call_audio') throw new Error('expected audio');
    expect(event.audioBase64).toBe((raw.data as Json).full_audio);
    expect(
      Buffer.from(event.audioBase64, 'base64').equals(readFixture('elevenlabs/documented/sample_silence.mp3')),
    ).toBe(true);
  });

  it.each([
    ['call_initiation_failure.twilio.json', 'conv_3401kf3t2b9d8c7e6f5a4g3h2j1k', 'no-answer', 1768402800],
    ['call_initiation_failure.sip.json', 'conv_5601kf3v4c1e2d3f4a5b6c7d8e9f', 'busy', 1768404600],
  ])('call initiation failure %s', (file, conversationId, failureReason, eventTimestamp) => {
    expect(parsePostCallPayload(fixture(`documented/${file}`))).toEqual({
      type: 'call_initiation_failure',
      eventTimestamp,
      conversationId,
      agentId: 'agent_7101k5zvyjhmfg983brhmhkd98n6',
      failureReason,
    });
  });

  it('unknown fields anywhere change nothing', () => {
    const original = fixture('documented/post_call_transcription.json');
    const extended = structuredClone(original);
    const data = extended.data as Json;
    const metadata = data.metadata as Json;
    const analysis = data.analysis as Json;
    const clientData = data.conversation_initiation_client_data as Json;
    extended.brand_new_envelope_field = { nested: [1, 2] };
    data.new_data_field = 'x';
    metadata.new_metadata_field = null;
    (metadata.phone_call as Json).new_phone_field = 42;
    (data.transcript as Json[]).forEach((turn) => (turn.new_turn_field = { a: 1 }));
    analysis.new_analysis_field = [];
    (analysis.data_collection_results as Record<string, Json>).caller_name.new_result_field = true;
    (clientData.dynamic_variables as Json).custom_var = 'v';
    expect(parsePostCallPayload(extended)).toEqual(parsePostCallPayload(original));
  });
});

describe('parsePostCallPayload: lenient reading', () => {
  const envelope = (data: unknown, extra: Json = {}): Json => ({
    type: 'post_call_transcription',
    event_timestamp: 1768406506,
    data,
    ...extra,
  });

  it('reads a transcription whose optional parts are all null', () => {
    const conversation = conversationOf(
      parsePostCallPayload(
        envelope({
          conversation_id: 'conv_1',
          agent_id: null,
          user_id: null,
          transcript: null,
          metadata: null,
          analysis: null,
          conversation_initiation_client_data: null,
          has_audio: null,
        }),
      ),
    );
    expect(conversation).toEqual({
      conversationId: 'conv_1',
      agentId: undefined,
      callerCandidates: { externalNumber: undefined, systemCallerId: undefined, userId: undefined },
      startedAt: new Date(1768406506 * 1000).toISOString(),
      callDurationSecs: undefined,
      turns: [],
      summary: undefined,
      evaluationRationales: {},
      dataCollection: {},
      hasAudio: undefined,
    });
  });

  it('reads nested nulls (web call: no phone_call; no dynamic variables)', () => {
    const conversation = conversationOf(
      parsePostCallPayload(
        envelope({
          conversation_id: 'conv_1',
          user_id: 'web-user-7',
          metadata: { phone_call: null, start_time_unix_secs: null, call_duration_secs: null },
          analysis: { transcript_summary: null, evaluation_criteria_results: null, data_collection_results: null },
          conversation_initiation_client_data: { dynamic_variables: null },
        }),
      ),
    );
    expect(conversation.callerCandidates).toEqual({
      externalNumber: undefined,
      systemCallerId: undefined,
      userId: 'web-user-7',
    });
    expect(conversation.startedAt).toBe(new Date(1768406506 * 1000).toISOString());
  });

  it('treats optional fields of an unexpected type as absent rather than losing the call', () => {
    const conversation = conversationOf(
      parsePostCallPayload(
        envelope({
          conversation_id: 'conv_1',
          has_audio: 'yes',
          transcript: { not: 'an array' },
          metadata: {
            call_duration_secs: '7',
            start_time_unix_secs: 'soon',
            phone_call: { external_number: 16125550142 },
          },
          analysis: { transcript_summary: { text: 'x' } },
        }),
      ),
    );
    expect(conversation.hasAudio).toBeUndefined();
    expect(conversation.turns).toEqual([]);
    expect(conversation.callDurationSecs).toBeUndefined();
    expect(conversation.callerCandidates.externalNumber).toBeUndefined();
    expect(conversation.summary).toBeUndefined();
    expect(conversation.startedAt).toBe(new Date(1768406506 * 1000).toISOString());
  });

  it('leaves startedAt undefined when no usable time is given', () => {
    const conversation = conversationOf(
      parsePostCallPayload(
        envelope({ conversation_id: 'conv_1', metadata: { start_time_unix_secs: 1e20 } }, { event_timestamp: null }),
      ),
    );
    expect(conversation.startedAt).toBeUndefined();
  });

  it('drops turns with nothing said, an unknown role or no message; keeps real ones', () => {
    const turns = [
      { role: 'agent', message: 'Hello.', time_in_call_secs: 0 },
      { role: 'user', message: null },
      { role: 'user', message: '...' },
      { role: 'user', message: ' . . . ' },
      { role: 'user', message: '…' },
      { role: 'user', message: '   ' },
      { role: 'user', message: '' },
      { role: 'tool', message: 'internal' },
      { message: 'no role' },
      'not an object',
      null,
      { role: 'user', message: '...and then we moved to Winona.', time_in_call_secs: null },
    ];
    const conversation = conversationOf(
      parsePostCallPayload(envelope({ conversation_id: 'conv_1', transcript: turns })),
    );
    expect(conversation.turns).toEqual([
      { role: 'agent', message: 'Hello.', timeInCallSecs: 0 },
      { role: 'user', message: '...and then we moved to Winona.' },
    ]);
  });

  it('keeps only data-collection values that say something, and non-empty rationales', () => {
    const conversation = conversationOf(
      parsePostCallPayload(
        envelope({
          conversation_id: 'conv_1',
          analysis: {
            data_collection_results: {
              name: { value: 'Ada' },
              age: { value: 0 },
              consent: { value: false },
              missing: { value: null },
              empty: { value: '' },
              blank: { value: '  ' },
              structured: { value: { city: 'Winona' } },
              no_value: {},
              not_an_object: 'Ada',
            },
            evaluation_criteria_results: {
              kept: { result: 'success', rationale: 'Because.' },
              empty: { result: 'unknown', rationale: '' },
              missing: { result: 'unknown', rationale: null },
              odd: null,
            },
          },
        }),
      ),
    );
    expect(conversation.dataCollection).toEqual({ name: 'Ada', age: 0, consent: false });
    expect(conversation.evaluationRationales).toEqual({ kept: 'Because.' });
  });

  it('ignores blank caller candidates', () => {
    const conversation = conversationOf(
      parsePostCallPayload(
        envelope({
          conversation_id: 'conv_1',
          user_id: '  ',
          metadata: { phone_call: { external_number: '' } },
          conversation_initiation_client_data: { dynamic_variables: { system__caller_id: '+16125550142' } },
        }),
      ),
    );
    expect(conversation.callerCandidates).toEqual({
      externalNumber: undefined,
      systemCallerId: '+16125550142',
      userId: undefined,
    });
  });

  it('accepts any other type as "other", keeping the wire type and the conversation id', () => {
    expect(
      parsePostCallPayload({
        type: 'post_call_transcription_unredacted',
        event_timestamp: 1,
        data: { conversation_id: 'conv_9', x: 1 },
      }),
    ).toEqual({
      type: 'other',
      wireType: 'post_call_transcription_unredacted',
      eventTimestamp: 1,
      conversationId: 'conv_9',
    });
    expect(parsePostCallPayload({ type: 'answering_machine_detection' })).toEqual({
      type: 'other',
      wireType: 'answering_machine_detection',
      eventTimestamp: undefined,
      conversationId: undefined,
    });
    expect(parsePostCallPayload({ type: 'something_new', data: 'not an object' })).toMatchObject({
      type: 'other',
      wireType: 'something_new',
    });
  });

  it('accepts a call-initiation failure with no data', () => {
    expect(parsePostCallPayload({ type: 'call_initiation_failure', data: null })).toEqual({
      type: 'call_initiation_failure',
      eventTimestamp: undefined,
      conversationId: undefined,
      agentId: undefined,
      failureReason: undefined,
    });
  });

  it('keeps a 6 MB audio string as the same string', () => {
    const audio = Buffer.alloc(4.5 * 1024 * 1024, 0xab).toString('base64');
    const event = parsePostCallPayload({
      type: 'post_call_audio',
      data: { conversation_id: 'conv_1', full_audio: audio },
    });
    expect(event.type === 'post_call_audio' && event.audioBase64).toBe(audio);
  });
});

describe('parsePostCallPayload: unusable payloads are a 400 naming the field', () => {
  const audio = (fullAudio: unknown): Json => ({
    type: 'post_call_audio',
    data: { conversation_id: 'conv_1', full_audio: fullAudio },
  });

  it.each<[string, Json, string]>([
    ['no type', { event_timestamp: 1, data: { conversation_id: 'conv_1' } }, 'type'],
    ['an empty object', {}, 'type'],
    ['a numeric type', { type: 7, data: {} }, 'type'],
    ['an empty type', { type: '', data: {} }, 'type'],
    ['an absurdly long type', { type: 'x'.repeat(500), data: {} }, 'type'],
    ['a transcription without data', { type: 'post_call_transcription' }, 'data'],
    [
      'a transcription without a conversation id',
      { type: 'post_call_transcription', data: { agent_id: 'a' } },
      'data.conversation_id',
    ],
    [
      'a transcription with a null conversation id',
      { type: 'post_call_transcription', data: { conversation_id: null } },
      'data.conversation_id',
    ],
    [
      'a transcription with a blank conversation id',
      { type: 'post_call_transcription', data: { conversation_id: '  ' } },
      'data.conversation_id',
    ],
    [
      'a transcription with a numeric conversation id',
      { type: 'post_call_transcription', data: { conversation_id: 5 } },
      'data.conversation_id',
    ],
    [
      'audio without a conversation id',
      { type: 'post_call_audio', data: { full_audio: 'AAAA' } },
      'data.conversation_id',
    ],
    ['audio without audio', { type: 'post_call_audio', data: { conversation_id: 'conv_1' } }, 'data.full_audio'],
    ['audio with null audio', audio(null), 'data.full_audio'],
    ['audio with empty audio', audio(''), 'data.full_audio'],
    ['audio with a URL', audio('https://example.com/a.mp3'), 'data.full_audio'],
    ['audio with a length not a multiple of 4', audio('AAAAA'), 'data.full_audio'],
    ['audio with too much padding', audio('A==='), 'data.full_audio'],
    ['audio as JSON text', audio('{"a":"bcd"}'), 'data.full_audio'],
    ['audio that is an id, not audio', audio('123e4567-e89b-12d3-a456-426614174000'), 'data.full_audio'],
    ['audio with padding in the middle', audio('AA==AAAA'), 'data.full_audio'],
    ['long audio with a bad start', audio(`#${'A'.repeat(20_003)}`), 'data.full_audio'],
    ['long audio with a bad end', audio(`${'A'.repeat(20_003)}#`), 'data.full_audio'],
    ['a legacy body with a null conversation id', { conversation_id: null, transcript: [] }, 'conversation_id'],
  ])('%s', (_case, body, field) => {
    const error = parseError(body);
    expect(error.statusCode).toBe(400);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it('says that the audio is not base64', () => {
    expect(parseError(audio('not base64!')).message).toBe('data.full_audio: is not base64');
  });
});
