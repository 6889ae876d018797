/**
 * The conversation-initiation answer (CONTRACTS.md §1). Every dynamic variable is always present
 * and always a string: an agent whose prompt names a missing variable fails the call.
 */
export interface DynamicVariables {
  caller_id: string;
  caller_name: string;
  memory_count: string;
  memory_summary: string;
  returning_caller: 'yes' | 'no';
  is_returning_caller: 'true' | 'false';
  /** The per-call memory token for the search tool's header; `secret__` keeps it from the LLM. */
  secret__memory_token: string;
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
  returning: boolean;
  /** The per-call memory token (empty when none could be minted). */
  memoryToken?: string;
  /** Omitted when the prompt override is switched off. */
  prompt?: string;
  /** Omitted when the first-message override is switched off. */
  firstMessage?: string;
}

export function initiationResponse(answer: InitiationAnswer): ConversationInitiationClientData {
  const agent: { prompt?: { prompt: string }; first_message?: string } = {};
  if (answer.prompt !== undefined) agent.prompt = { prompt: answer.prompt };
  if (answer.firstMessage !== undefined) agent.first_message = answer.firstMessage;
  return {
    type: 'conversation_initiation_client_data',
    dynamic_variables: {
      caller_id: answer.callerId,
      caller_name: answer.callerName ?? '',
      memory_count: String(answer.memoryCount),
      memory_summary: answer.memorySummary,
      returning_caller: answer.returning ? 'yes' : 'no',
      is_returning_caller: answer.returning ? 'true' : 'false',
      secret__memory_token: answer.memoryToken ?? '',
    },
    ...(Object.keys(agent).length > 0 ? { conversation_config_override: { agent } } : {}),
  };
}
