import type { ConversationRecord } from '../shared/elevenlabs/post-call-event';
import type { ConversationTurn, MemoryMetadata, MemoryType, NewMemory } from '../shared/memory';

/** A memory to write for a conversation, with the key that makes writing it idempotent. */
export interface PlannedMemory {
  type: MemoryType;
  /** `{conversation_id}:{type}`: one memory set per conversation, however often it is delivered. */
  idempotencyKey: string;
  memory: NewMemory;
}

/**
 * What a finished call teaches us, as up to three memories:
 * factual (summary + evaluation rationales), semantic (the transcript as a conversation),
 * profile (the data-collection results, e.g. the caller's name, for the next pre-call).
 */
export function memoriesFromConversation(conversation: ConversationRecord): PlannedMemory[] {
  const planned: PlannedMemory[] = [];
  const plan = (type: MemoryType, memory: NewMemory) =>
    planned.push({ type, idempotencyKey: `${conversation.conversationId}:${type}`, memory });

  const factual = factualText(conversation);
  if (factual) plan('factual', { kind: 'text', text: factual, metadata: metadataFor('factual', conversation) });

  const turns = conversationTurns(conversation);
  if (turns.some((turn) => turn.role === 'user')) {
    plan('semantic', { kind: 'conversation', turns, metadata: metadataFor('semantic', conversation) });
  }

  const profile = conversation.dataCollection;
  if (Object.keys(profile).length > 0) {
    plan('profile', {
      kind: 'text',
      text: profileText(profile),
      metadata: { ...metadataFor('profile', conversation), profile },
    });
  }
  return planned;
}

function metadataFor(type: MemoryType, conversation: ConversationRecord): MemoryMetadata {
  const metadata: MemoryMetadata = { type, conversation_id: conversation.conversationId };
  if (conversation.agentId) metadata.agent_id = conversation.agentId;
  if (conversation.startedAt) metadata.timestamp = conversation.startedAt;
  if (conversation.callDurationSecs !== undefined) metadata.call_duration = conversation.callDurationSecs;
  return metadata;
}

function factualText(conversation: ConversationRecord): string | undefined {
  const parts: string[] = [];
  if (conversation.summary?.trim()) parts.push(conversation.summary.trim());
  const rationales = Object.entries(conversation.evaluationRationales);
  if (rationales.length > 0) {
    parts.push(rationales.map(([criterion, rationale]) => `${criterion}: ${rationale.trim()}`).join('\n'));
  }
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

function conversationTurns(conversation: ConversationRecord): ConversationTurn[] {
  return conversation.turns.map((turn) => ({
    role: turn.role === 'agent' ? 'assistant' : 'user',
    content: turn.message,
  }));
}

/** "user_name: Margaret; language: en" — readable by a person and findable by search. */
function profileText(profile: Record<string, string | number | boolean>): string {
  const facts = Object.entries(profile).map(([key, value]) => `${key.replace(/_/g, ' ')}: ${String(value)}`);
  return `Caller profile. ${facts.join('; ')}`;
}
