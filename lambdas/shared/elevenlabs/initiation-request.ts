import { parseCallerId, type CallerId } from '../caller';
import { object, optional, text, type Infer, type Schema } from '../http/validation';

const MAX_FIELD_LENGTH = 256;

/** An optional bounded string; null (SIP calls may lack a call SID) reads as absent. */
const optionalField = optional(text({ maxLength: MAX_FIELD_LENGTH }), { nullable: true });

/**
 * The caller id as ElevenLabs sends it: a phone number or id, normalised; `undefined` for a
 * withheld number (`anonymous`, `+266696687`, …), an empty string or null, which identify nobody
 * and make the call a stranger's, not a bad request. Anything else malformed is refused.
 */
const initiationCallerSchema: Schema<CallerId | undefined> = (value, field) => {
  if (value === null) return undefined;
  const raw = text({ maxLength: MAX_FIELD_LENGTH })(value, field);
  if (typeof raw !== 'string') return undefined;
  const parsed = parseCallerId(raw);
  if (parsed.ok) return parsed.callerId;
  return parsed.withheld || raw.trim() === '' ? undefined : field.problem(parsed.problem);
};

/**
 * The conversation-initiation webhook body (CONTRACTS.md §1). Unknown keys are ignored:
 * ElevenLabs may add fields, and none of them may make a ringing call fail.
 */
export const initiationRequestSchema = object({
  caller_id: initiationCallerSchema,
  agent_id: optionalField,
  called_number: optionalField,
  call_sid: optionalField,
});

export type InitiationRequest = Infer<typeof initiationRequestSchema>;
