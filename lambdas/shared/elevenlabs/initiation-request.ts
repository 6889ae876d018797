import { z } from 'zod';
import { callerIdSchema } from '../caller';

const MAX_FIELD_LENGTH = 256;

/** An optional bounded string; null (SIP calls may lack a call SID) reads as absent. */
const optionalField = z
  .string()
  .max(MAX_FIELD_LENGTH)
  .nullish()
  .transform((value) => value ?? undefined);

/**
 * The conversation-initiation webhook body (CONTRACTS.md §1). Unknown keys are ignored:
 * ElevenLabs may add fields, and none of them may make a ringing call fail.
 */
export const initiationRequestSchema = z.object({
  caller_id: z.string().max(MAX_FIELD_LENGTH).pipe(callerIdSchema),
  agent_id: optionalField,
  called_number: optionalField,
  call_sid: optionalField,
});

export type InitiationRequest = z.infer<typeof initiationRequestSchema>;
