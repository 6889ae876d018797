import { randomBytes, randomInt } from 'node:crypto';
import type { MemoryScope } from '../shared/caller';

/** A finished phone call as ElevenLabs reports it, for the simulator, the start-up examples and tests. */
export interface DemoCall {
  callerId: string;
  callerName: string;
  agentId: string;
  calledNumber: string;
  callSid: string;
  conversationId: string;
  /** The `post_call_transcription` webhook body. */
  payload: Record<string, unknown>;
  /** What the agent would search for mid-call on the next call, and a word the answer must hold. */
  search: { query: string; expectedWord: string };
}

/** The agent of the demo calls, unless another is given. */
export const DEMO_AGENT_ID = 'agent_local_harbor_bakery';
const AGENT_NUMBER = '+15555550100';
const NAMES = ['Margaret Ellison', 'Daniel Okafor', 'Priya Raman', 'Tomás Herrera', 'Aisha Bello', 'Henrik Larsen'];

/**
 * A new caller's number: +1, a random area code, then 555-01xx, the exchange reserved for
 * fiction, so a generated number never belongs to anyone.
 */
export function randomDemoCallerId(): string {
  return `+1${randomInt(201, 990)}55501${String(randomInt(0, 100)).padStart(2, '0')}`;
}

/**
 * The agent a demo call should name so that it is remembered: with a memory-scope map, an agent
 * outside it has no memory, so the map's first agent; otherwise the demo agent.
 */
export function demoAgentFor(scope: MemoryScope): string {
  const [first] = scope.agentScopes?.keys() ?? [];
  return first ?? DEMO_AGENT_ID;
}

export function randomDemoName(): string {
  return NAMES[randomInt(0, NAMES.length)];
}

/**
 * A realistic multi-turn call to a bakery in which the caller gives their name, a dietary
 * restriction and delivery and contact preferences, in the post_call_transcription format
 * (envelope, transcript, metadata.phone_call, analysis with summary and data collection).
 */
export function demoCall(options: {
  callerId: string;
  callerName: string;
  endedAt?: Date;
  agentId?: string;
}): DemoCall {
  const { callerId, callerName } = options;
  const agentId = options.agentId ?? DEMO_AGENT_ID;
  const first = callerName.split(/\s+/)[0];
  const endedAtSecs = Math.floor((options.endedAt ?? new Date()).getTime() / 1000);
  const turns: Array<['agent' | 'user', number, string]> = [
    ['agent', 0, 'Thank you for calling Harbor Bakery, this is Ava. Who am I speaking with today?'],
    ['user', 4, `Hi Ava, my name is ${callerName}. I would like to order a birthday cake for my granddaughter.`],
    ['agent', 11, `Lovely, ${first}! When is the birthday, and does she have a favourite flavour?`],
    [
      'user',
      16,
      'It is on Saturday. She loves lemon sponge with raspberry filling. It has to be completely nut-free, because she has a peanut allergy.',
    ],
    [
      'agent',
      27,
      'A nut-free lemon sponge with raspberry filling, noted. Would you like to collect it or have it delivered?',
    ],
    [
      'user',
      33,
      'Delivered, please, to 14 Orchard Lane. If nobody answers, leave it with the neighbour at number 16. And please send me a text message the day before rather than calling.',
    ],
    ['agent', 47, 'Of course. We will text you on Friday with the delivery time. Is there anything else?'],
    ['user', 53, 'No, that is everything. Thank you so much.'],
    ['agent', 56, `Thank you, ${first}. Have a wonderful celebration!`],
  ];
  const durationSecs = 60;
  const startedAtSecs = endedAtSecs - durationSecs;
  const conversationId = `conv_local_${randomBytes(10).toString('hex')}`;
  const callSid = `CA${randomBytes(16).toString('hex')}`;

  const payload = {
    type: 'post_call_transcription',
    event_timestamp: endedAtSecs,
    data: {
      agent_id: agentId,
      agent_name: 'Harbor Bakery Orders',
      conversation_id: conversationId,
      status: 'done',
      user_id: null,
      transcript: turns.map(([role, time, message]) => ({
        role,
        agent_metadata: role === 'agent' ? { agent_id: agentId, workflow_node_id: null } : null,
        message,
        tool_calls: [],
        tool_results: [],
        feedback: null,
        llm_override: null,
        time_in_call_secs: time,
        conversation_turn_metrics: null,
        rag_retrieval_info: null,
        llm_usage: null,
        interrupted: false,
        original_message: null,
        source_medium: role === 'user' ? 'audio' : null,
      })),
      metadata: {
        start_time_unix_secs: startedAtSecs,
        accepted_time_unix_secs: startedAtSecs,
        call_duration_secs: durationSecs,
        cost: 410,
        termination_reason: 'Call ended by remote party',
        error: null,
        main_language: 'en',
        text_only: false,
        phone_call: {
          type: 'twilio',
          direction: 'inbound',
          phone_number_id: 'phnum_local_demo',
          agent_number: AGENT_NUMBER,
          external_number: callerId,
          stream_sid: `MZ${randomBytes(16).toString('hex')}`,
          call_sid: callSid,
        },
      },
      analysis: {
        evaluation_criteria_results: {
          order_taken: {
            criteria_id: 'order_taken',
            result: 'success',
            rationale:
              'The agent took a complete cake order with delivery details and confirmed the contact preference.',
          },
        },
        data_collection_results: {
          user_name: {
            data_collection_id: 'user_name',
            value: callerName,
            json_schema: { type: 'string', description: 'The name the caller gives' },
            rationale: `The caller said "my name is ${callerName}".`,
          },
          contact_preference: {
            data_collection_id: 'contact_preference',
            value: 'sms',
            json_schema: {
              type: 'string',
              description: 'How the caller wants to be contacted',
              enum: ['sms', 'call', 'email'],
            },
            rationale: 'The caller asked for a text message instead of a call.',
          },
        },
        call_successful: 'success',
        transcript_summary:
          `${callerName} ordered a nut-free lemon sponge birthday cake with raspberry filling for their granddaughter, ` +
          'who has a peanut allergy, for delivery on Saturday to 14 Orchard Lane (neighbour at number 16 if nobody ' +
          'answers). They prefer a text message the day before rather than a call.',
        call_summary_title: 'Birthday cake order for delivery',
      },
      conversation_initiation_client_data: {
        conversation_config_override: {
          agent: { prompt: null, first_message: null, language: null },
          tts: { voice_id: null },
        },
        custom_llm_extra_body: {},
        user_id: null,
        dynamic_variables: {
          system__agent_id: agentId,
          system__caller_id: callerId,
          system__called_number: AGENT_NUMBER,
          system__call_sid: callSid,
          system__conversation_id: conversationId,
          system__call_duration_secs: durationSecs,
          system__time_utc: new Date(endedAtSecs * 1000).toISOString(),
        },
      },
      has_audio: false,
      has_user_audio: false,
      has_response_audio: false,
    },
  };

  return {
    callerId,
    callerName,
    agentId,
    calledNumber: AGENT_NUMBER,
    callSid,
    conversationId,
    payload,
    search: { query: 'peanut allergy', expectedWord: 'allergy' },
  };
}
