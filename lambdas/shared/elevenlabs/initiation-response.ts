import { inertText, plainName } from '../context/caller-words';

/** Longest `memory_summary` we send: one line the agent's prompt can carry. */
export const MAX_MEMORY_SUMMARY_CHARS = 500;
const MAX_CALLER_ID_CHARS = 128;

/**
 * The conversation-initiation answer (CONTRACTS.md §1). Every dynamic variable is always present
 * and always a string: an agent whose prompt names a missing variable fails the call.
 */
export interface DynamicVariables {
  /** The normalised caller id (already limited to phone digits and `A-Z a-z 0-9 - _ . : @ +`), neutralised like caller words. */
  caller_id: string;
  /** A plain name (letters, apostrophes, hyphens; up to three words), or empty. */
  caller_name: string;
  memory_count: string;
  /** One neutralised line; empty for a caller we have no memory of. */
  memory_summary: string;
  /** The delimited, neutralised memory block for the agent's prompt; empty for a caller we have no memory of. */
  memory_context: string;
  /** The per-call search capability; `secret__` variables never reach the LLM (CONTRACTS.md §4). */
  secret__memory_token: string;
  returning_caller: 'yes' | 'no';
  is_returning_caller: 'true' | 'false';
}

export interface ConversationInitiationClientData {
  type: 'conversation_initiation_client_data';
  dynamic_variables: DynamicVariables;
  conversation_config_override?: {
    agent: { prompt?: { prompt: string }; first_message?: string };
  };
}

export interface InitiationAnswer {
  callerId: string;
  callerName?: string;
  memoryCount: number;
  memorySummary: string;
  /** Rendered by `memoryContext` (lambdas/shared/context): already a delimited data block. */
  memoryContext: string;
  memoryToken?: string;
  returning: boolean;
  /** Omitted when no prompt override is configured or it is switched off. */
  prompt?: string;
  /** Omitted when the first-message override is switched off. */
  firstMessage?: string;
}

/**
 * The answer ElevenLabs receives. Caller-derived variables are neutralised here, at the last step,
 * so no path to the agent skips it: a name that is not plain is no name, the summary and the caller
 * id are inert lines, and the memory context arrives already rendered as a data block.
 */
export function initiationResponse(answer: InitiationAnswer): ConversationInitiationClientData {
  const agent: { prompt?: { prompt: string }; first_message?: string } = {};
  if (answer.prompt !== undefined) agent.prompt = { prompt: answer.prompt };
  if (answer.firstMessage !== undefined) agent.first_message = answer.firstMessage;
  return {
    type: 'conversation_initiation_client_data',
    dynamic_variables: {
      caller_id: inertText(answer.callerId, MAX_CALLER_ID_CHARS),
      caller_name: plainName(answer.callerName) ?? '',
      memory_count: String(answer.memoryCount),
      memory_summary: inertText(answer.memorySummary, MAX_MEMORY_SUMMARY_CHARS),
      memory_context: answer.memoryContext,
      secret__memory_token: answer.memoryToken ?? '',
      returning_caller: answer.returning ? 'yes' : 'no',
      is_returning_caller: answer.returning ? 'true' : 'false',
    },
    ...(Object.keys(agent).length > 0 ? { conversation_config_override: { agent } } : {}),
  };
}
