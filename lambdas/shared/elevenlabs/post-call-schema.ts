import { isRecord, object, refine, text, validate, type Schema } from '../http/validation';
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

// Lenient readers: absent, null or of an unexpected type all read as undefined.
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const bool = (value: unknown) => (typeof value === 'boolean' ? value : undefined);
const rec = (value: unknown) => (isRecord(value) ? value : undefined);
const list = (value: unknown) => (Array.isArray(value) ? value : undefined);
const anything: Schema<unknown> = (value) => value;

const requiredId = text({ trim: true, minLength: 1, tooShort: 'is empty', maxLength: MAX_ID_LENGTH });

const envelopeSchema = object({
  type: text({ minLength: 1, tooShort: 'is empty', maxLength: MAX_TYPE_LENGTH }),
  data: anything,
});

/** Transcriptions (and the legacy format) need only their conversation id; the rest is read leniently. */
const transcriptionSchema = object({ data: object({ conversation_id: requiredId }) });
const legacySchema = object({ conversation_id: requiredId });

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

const audioSchema = object({
  data: object({
    conversation_id: requiredId,
    full_audio: refine(text({ minLength: 1, tooShort: 'is empty' }), looksLikeBase64, 'is not base64'),
  }),
});

/** Validates and normalises one post-call webhook body; unusable payloads throw HttpError(400). */
export function parsePostCallPayload(body: Record<string, unknown>): PostCallEvent {
  if (isLegacyFlat(body)) {
    const { conversation_id } = validate(legacySchema, body);
    return {
      type: 'post_call_transcription',
      conversation: legacyConversationRecord(conversation_id, body),
      legacy: true,
    };
  }
  const envelope = validate(envelopeSchema, body);
  const eventTimestamp = num(body.event_timestamp);
  switch (envelope.type) {
    case 'post_call_transcription': {
      const { data } = validate(transcriptionSchema, body);
      const record = conversationRecord(data.conversation_id, envelope.data as Record<string, unknown>, eventTimestamp);
      return { type: envelope.type, eventTimestamp, conversation: record, legacy: false };
    }
    case 'post_call_audio': {
      const { data } = validate(audioSchema, body);
      return {
        type: envelope.type,
        eventTimestamp,
        conversationId: data.conversation_id,
        agentId: str((envelope.data as Record<string, unknown>).agent_id),
        audioBase64: data.full_audio,
      };
    }
    case 'call_initiation_failure': {
      const data = rec(envelope.data);
      return {
        type: envelope.type,
        eventTimestamp,
        conversationId: str(data?.conversation_id),
        agentId: str(data?.agent_id),
        failureReason: str(data?.failure_reason),
      };
    }
    default:
      return {
        type: 'other',
        wireType: envelope.type,
        eventTimestamp,
        conversationId: str(rec(envelope.data)?.conversation_id),
      };
  }
}

function isLegacyFlat(body: Record<string, unknown>): boolean {
  return !('type' in body) && !('data' in body) && 'conversation_id' in body;
}

function conversationRecord(
  conversationId: string,
  data: Record<string, unknown>,
  eventTimestamp: number | undefined,
): ConversationRecord {
  const metadata = rec(data.metadata);
  const analysis = rec(data.analysis);
  const dynamicVariables = rec(rec(data.conversation_initiation_client_data)?.dynamic_variables);
  return {
    conversationId,
    agentId: str(data.agent_id),
    callerCandidates: {
      externalNumber: nonBlank(rec(metadata?.phone_call)?.external_number),
      systemCallerId: nonBlank(dynamicVariables?.system__caller_id),
      userId: nonBlank(data.user_id),
    },
    startedAt: isoFromUnixSecs(num(metadata?.start_time_unix_secs)) ?? isoFromUnixSecs(eventTimestamp),
    callDurationSecs: num(metadata?.call_duration_secs),
    turns: turns(list(data.transcript)),
    summary: nonBlank(analysis?.transcript_summary),
    evaluationRationales: rationales(rec(analysis?.evaluation_criteria_results)),
    dataCollection: collectedValues(rec(analysis?.data_collection_results)),
    hasAudio: bool(data.has_audio),
  };
}

/** The seed project's flat, unsigned format: no envelope, `analysis.summary`, `metadata.caller_id`. */
function legacyConversationRecord(conversationId: string, body: Record<string, unknown>): ConversationRecord {
  const analysis = rec(body.analysis);
  return {
    conversationId,
    agentId: str(body.agent_id),
    // The flat format's only identity: the number the platform reported as the caller id.
    callerCandidates: { systemCallerId: nonBlank(rec(body.metadata)?.caller_id) },
    callDurationSecs: num(body.call_duration),
    turns: turns(list(body.transcript)),
    summary: nonBlank(analysis?.summary),
    evaluationRationales: rationales(rec(analysis?.evaluation)),
    dataCollection: {},
  };
}

/** Turns with nothing said (null, "...", only dots or whitespace) carry no content: dropped. */
const NOTHING_SAID = /^[\s.…]*$/;

function turns(transcript: unknown[] | undefined): TranscriptTurn[] {
  const result: TranscriptTurn[] = [];
  for (const entry of transcript ?? []) {
    const turn = rec(entry);
    const role = turn?.role;
    const message = str(turn?.message);
    if ((role !== 'user' && role !== 'agent') || message === undefined || NOTHING_SAID.test(message)) continue;
    const timeInCallSecs = num(turn?.time_in_call_secs);
    result.push(timeInCallSecs === undefined ? { role, message } : { role, message, timeInCallSecs });
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
