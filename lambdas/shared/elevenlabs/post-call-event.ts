/**
 * Post-call webhooks as the rest of the code sees them: parsed, validated and normalised from
 * the ElevenLabs wire format (see ../shared/CONTRACTS.md §2). The parser lives in
 * post-call-schema.ts; this file is only the shapes.
 */

export interface TranscriptTurn {
  role: 'user' | 'agent';
  /** null and "..." turns are already dropped. */
  message: string;
  timeInCallSecs?: number;
}

/** A finished conversation (`post_call_transcription`, or the legacy flat format). */
export interface ConversationRecord {
  conversationId: string;
  agentId?: string;
  /** Raw caller identity candidates, in CONTRACTS.md order; not yet normalised. */
  callerCandidates: {
    externalNumber?: string;
    systemCallerId?: string;
    userId?: string;
  };
  /** ISO-8601 start of the call (falls back to the event timestamp). */
  startedAt?: string;
  callDurationSecs?: number;
  turns: TranscriptTurn[];
  summary?: string;
  /** evaluation criterion id → rationale (only non-empty ones). */
  evaluationRationales: Record<string, string>;
  /** data-collection id → value (only non-null, non-empty ones). */
  dataCollection: Record<string, string | number | boolean>;
  hasAudio?: boolean;
}

export type PostCallEvent =
  | { type: 'post_call_transcription'; eventTimestamp?: number; conversation: ConversationRecord; legacy: boolean }
  | { type: 'post_call_audio'; eventTimestamp?: number; conversationId: string; agentId?: string; audioBase64: string }
  | {
      type: 'call_initiation_failure';
      eventTimestamp?: number;
      conversationId?: string;
      agentId?: string;
      failureReason?: string;
    }
  | { type: 'other'; wireType: string; eventTimestamp?: number; conversationId?: string };
