import { callerIdSchema } from '../caller';
import { object, optional, pipe, text, type Infer } from '../http/validation';

const MAX_FIELD_LENGTH = 256;

/** An optional bounded string; null (SIP calls may lack a call SID) reads as absent. */
const optionalField = optional(text({ maxLength: MAX_FIELD_LENGTH }), { nullable: true });

/**
 * The conversation-initiation webhook body (CONTRACTS.md §1). Unknown keys are ignored:
 * ElevenLabs may add fields, and none of them may make a ringing call fail.
 */
export const initiationRequestSchema = object({
  caller_id: pipe(text({ maxLength: MAX_FIELD_LENGTH }), callerIdSchema),
  agent_id: optionalField,
  called_number: optionalField,
  call_sid: optionalField,
});

export type InitiationRequest = Infer<typeof initiationRequestSchema>;
