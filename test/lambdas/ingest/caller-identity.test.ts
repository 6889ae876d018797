import { json, TestBed } from '../../support/test-bed';

/**
 * Whose call it was, by the order CONTRACTS.md gives: the phone number the call came from, then
 * `system__caller_id`, then the web conversation's `user_id`. Reversed, a phone caller's memories
 * would land under a web id and the next pre-call (which looks up the phone number) would miss them.
 */

const PHONE = '+16125550142';
const SYSTEM_CALLER_ID = '+16125550177';
const USER_ID = 'web-user-9';

interface Candidates {
  phone?: string;
  systemCallerId?: string;
  userId?: string;
}

function transcription(conversationId: string, candidates: Candidates) {
  return {
    type: 'post_call_transcription',
    event_timestamp: 1768404600,
    data: {
      agent_id: 'agent_identity',
      conversation_id: conversationId,
      user_id: candidates.userId ?? null,
      transcript: [
        { role: 'agent', message: 'Hello, who am I speaking with?' },
        { role: 'user', message: 'My name is Margaret and I would like to move my Friday appointment.' },
      ],
      metadata: {
        start_time_unix_secs: 1768404000,
        call_duration_secs: 40,
        ...(candidates.phone ? { phone_call: { type: 'twilio', external_number: candidates.phone } } : {}),
      },
      analysis: { transcript_summary: 'Margaret asked to move her Friday appointment.' },
      conversation_initiation_client_data: {
        dynamic_variables: candidates.systemCallerId ? { system__caller_id: candidates.systemCallerId } : {},
      },
    },
  };
}

describe('ingest files a call under its caller: phone number, then system__caller_id, then user_id', () => {
  let bed: TestBed;
  beforeEach(async () => {
    bed = await TestBed.start();
  });
  afterEach(() => bed.stop());

  it.each<[string, string, Candidates]>([
    ['all three, each different', PHONE, { phone: PHONE, systemCallerId: SYSTEM_CALLER_ID, userId: USER_ID }],
    ['the phone number and system__caller_id', PHONE, { phone: PHONE, systemCallerId: SYSTEM_CALLER_ID }],
    ['the phone number and user_id', PHONE, { phone: PHONE, userId: USER_ID }],
    ['system__caller_id and user_id', SYSTEM_CALLER_ID, { systemCallerId: SYSTEM_CALLER_ID, userId: USER_ID }],
  ])('with %s, the memories land under %s', async (_case, expected, candidates) => {
    const conversationId = 'conv_identity_1';
    expect((await bed.deliverPostCall(transcription(conversationId, candidates))).statusCode).toBe(200);
    expect((await bed.drainIngest()).batchItemFailures).toEqual([]);

    expect(bed.mem0.memoriesOf(expected).map((m) => m.metadata.type)).toEqual(['factual', 'semantic']);
    for (const other of [PHONE, SYSTEM_CALLER_ID, USER_ID].filter((id) => id !== expected)) {
      expect(bed.mem0.memoriesOf(other)).toEqual([]);
    }
    expect(await bed.s3.listKeys(`post-call/${expected}/`)).toEqual([
      `post-call/${expected}/${conversationId}/transcript.json`,
    ]);

    // The next call from that caller finds them.
    const next = json(await bed.callClientData({ caller_id: expected, agent_id: 'agent_identity' }));
    expect(next.dynamic_variables).toMatchObject({ returning_caller: 'yes' });
  });
});
