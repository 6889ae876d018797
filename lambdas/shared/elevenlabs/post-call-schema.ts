import { z } from 'zod';
import { validate } from '../http/validation';
import type { ConversationRecord, PostCallEvent, TranscriptTurn } from './post-call-event';

/**
 * Parses post-call webhooks (CONTRACTS.md §2) into the shapes of post-call-event.ts.
 *
 * Only what makes a payload unusable is rejected (a 400 naming the field): a missing type, a
 * conversation without its id, audio without audio. Everything else is read leniently: the wire
 * format is nullable almost everywhere and grows new fields, and losing a whole call because an
 * optional field changed type would be worse than losing that field.
 */

const MAX_TYPE_LENGTH = 128;
const MAX_ID_LENGTH = 256;

/** An optional wire field: absent, null or of an unexpected type all read as undefined. */
function lenient<T extends z.ZodType>(schema: T) {
  return schema
    .nullish()
    .catch(undefined)
    .transform((value): z.output<T> | undefined => value ?? undefined);
}

const requiredId = z.string().trim().min(1, 'is empty').max(MAX_ID_LENGTH);
const optionalString = lenient(z.string());
const optionalNumber = lenient(z.number());
const optionalObject = lenient(z.record(z.string(), z.unknown()));

const envelopeSchema = z.object({
  type: z.string().min(1, 'is empty').max(MAX_TYPE_LENGTH),
  event_timestamp: optionalNumber,
  // zod 4 requires the key of a bare z.unknown(); whether data must exist depends on the type.
  data: z.unknown().optional(),
});

const turnSchema = z.object({
  role: z.enum(['user', 'agent']),
  message: z.string(),
  time_in_call_secs: optionalNumber,
});

const analysisSchema = z.object({
  transcript_summary: optionalString,
  evaluation_criteria_results: optionalObject,
  data_collection_results: optionalObject,
});

const transcriptionSchema = z.object({
  data: z.object({
    conversation_id: requiredId,
    agent_id: optionalString,
    user_id: optionalString,
    has_audio: lenient(z.boolean()),
    transcript: lenient(z.array(z.unknown())),
    metadata: lenient(
      z.object({
        start_time_unix_secs: optionalNumber,
        call_duration_secs: optionalNumber,
        phone_call: lenient(z.object({ external_number: optionalString })),
      }),
    ),
    analysis: lenient(analysisSchema),
    conversation_initiation_client_data: lenient(
      z.object({ dynamic_variables: lenient(z.object({ system__caller_id: optionalString })) }),
    ),
  }),
});

/** The seed project's flat, unsigned format: no envelope, `analysis.summary`, `metadata.caller_id`. */
const legacySchema = z.object({
  conversation_id: requiredId,
  agent_id: optionalString,
  call_duration: optionalNumber,
  transcript: lenient(z.array(z.unknown())),
  analysis: lenient(z.object({ summary: optionalString, evaluation: optionalObject })),
  metadata: lenient(z.object({ caller_id: optionalString })),
});

const BASE64_CHARS = /^[A-Za-z0-9+/]*$/;
const BASE64_END = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64_SAMPLE = 4096;

/**
 * Checks the length and both ends only: a full scan of 6 MB costs ~30 ms, and the decode that
 * follows is done by the handler anyway. This catches the realistic mistakes (a URL, JSON, hex).
 */
function looksLikeBase64(value: string): boolean {
  if (value.length % 4 !== 0) return false;
  if (value.length <= 2 * BASE64_SAMPLE) return BASE64_END.test(value);
  return BASE64_CHARS.test(value.slice(0, BASE64_SAMPLE)) && BASE64_END.test(value.slice(-BASE64_SAMPLE));
}

const audioSchema = z.object({
  data: z.object({
    conversation_id: requiredId,
    agent_id: optionalString,
    full_audio: z.string().min(1, 'is empty').refine(looksLikeBase64, 'is not base64'),
  }),
});

const failureSchema = z.object({
  data: lenient(
    z.object({ conversation_id: optionalString, agent_id: optionalString, failure_reason: optionalString }),
  ),
});

const otherSchema = z.object({
  data: lenient(z.object({ conversation_id: optionalString })),
});

/** Validates and normalises one post-call webhook body; unusable payloads throw HttpError(400). */
export function parsePostCallPayload(body: Record<string, unknown>): PostCallEvent {
  if (isLegacyFlat(body)) {
    const record = legacyConversationRecord(validate(legacySchema, body));
    return { type: 'post_call_transcription', conversation: record, legacy: true };
  }
  const envelope = validate(envelopeSchema, body);
  const eventTimestamp = envelope.event_timestamp;
  switch (envelope.type) {
    case 'post_call_transcription': {
      const { data } = validate(transcriptionSchema, body);
      const record = conversationRecord(data, eventTimestamp);
      return { type: envelope.type, eventTimestamp, conversation: record, legacy: false };
    }
    case 'post_call_audio': {
      const { data } = validate(audioSchema, body);
      return {
        type: envelope.type,
        eventTimestamp,
        conversationId: data.conversation_id,
        agentId: data.agent_id,
        audioBase64: data.full_audio,
      };
    }
    case 'call_initiation_failure': {
      const { data } = validate(failureSchema, body);
      return {
        type: envelope.type,
        eventTimestamp,
        conversationId: data?.conversation_id,
        agentId: data?.agent_id,
        failureReason: data?.failure_reason,
      };
    }
    default: {
      const { data } = validate(otherSchema, body);
      return { type: 'other', wireType: envelope.type, eventTimestamp, conversationId: data?.conversation_id };
    }
  }
}

function isLegacyFlat(body: Record<string, unknown>): boolean {
  return !('type' in body) && !('data' in body) && 'conversation_id' in body;
}

type TranscriptionData = z.output<typeof transcriptionSchema>['data'];

function conversationRecord(data: TranscriptionData, eventTimestamp: number | undefined): ConversationRecord {
  const analysis = data.analysis;
  return {
    conversationId: data.conversation_id,
    agentId: data.agent_id,
    callerCandidates: {
      externalNumber: nonBlank(data.metadata?.phone_call?.external_number),
      systemCallerId: nonBlank(data.conversation_initiation_client_data?.dynamic_variables?.system__caller_id),
      userId: nonBlank(data.user_id),
    },
    startedAt: isoFromUnixSecs(data.metadata?.start_time_unix_secs) ?? isoFromUnixSecs(eventTimestamp),
    callDurationSecs: data.metadata?.call_duration_secs,
    turns: turns(data.transcript),
    summary: nonBlank(analysis?.transcript_summary),
    evaluationRationales: rationales(analysis?.evaluation_criteria_results),
    dataCollection: collectedValues(analysis?.data_collection_results),
    hasAudio: data.has_audio,
  };
}

function legacyConversationRecord(body: z.output<typeof legacySchema>): ConversationRecord {
  return {
    conversationId: body.conversation_id,
    agentId: body.agent_id,
    // The flat format's only identity: the number the platform reported as the caller id.
    callerCandidates: { systemCallerId: nonBlank(body.metadata?.caller_id) },
    callDurationSecs: body.call_duration,
    turns: turns(body.transcript),
    summary: nonBlank(body.analysis?.summary),
    evaluationRationales: rationales(body.analysis?.evaluation),
    dataCollection: {},
  };
}

/** Turns with nothing said (null, "...", only dots or whitespace) carry no content: dropped. */
const NOTHING_SAID = /^[\s.…]*$/;

function turns(transcript: unknown[] | undefined): TranscriptTurn[] {
  const result: TranscriptTurn[] = [];
  for (const entry of transcript ?? []) {
    const turn = turnSchema.safeParse(entry);
    if (!turn.success || NOTHING_SAID.test(turn.data.message)) continue;
    const { role, message, time_in_call_secs } = turn.data;
    result.push(
      time_in_call_secs === undefined ? { role, message } : { role, message, timeInCallSecs: time_in_call_secs },
    );
  }
  return result;
}

function rationales(results: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, result] of Object.entries(results ?? {})) {
    const rationale = nonBlank(field(result, 'rationale'));
    if (rationale !== undefined) out[id] = rationale;
  }
  return out;
}

function collectedValues(results: Record<string, unknown> | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [id, result] of Object.entries(results ?? {})) {
    const value = field(result, 'value');
    if (typeof value === 'string' ? value.trim() !== '' : typeof value === 'boolean' || Number.isFinite(value)) {
      out[id] = value as string | number | boolean;
    }
  }
  return out;
}

function field(container: unknown, name: string): unknown {
  return container !== null && typeof container === 'object' ? (container as Record<string, unknown>)[name] : undefined;
}

function nonBlank(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

// Bounded so that a nonsense number cannot make toISOString() throw.
const LATEST_UNIX_SECS = 253402300799; // 9999-12-31T23:59:59Z

function isoFromUnixSecs(secs: number | undefined): string | undefined {
  if (secs === undefined || !Number.isFinite(secs) || secs < 0 || secs > LATEST_UNIX_SECS) return undefined;
  return new Date(secs * 1000).toISOString();
}
