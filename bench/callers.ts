import type { CallerId } from '../lambdas/shared/caller';
import { AGENTCORE_NAMESPACE_TEMPLATES, actorIdOf } from '../lambdas/shared/memory/agentcore-ids';
import type { MemoryStore } from '../lambdas/shared/memory';
import type { AgentCoreLoopbackServer } from '../test/support/agentcore-server';
import type { Mem0LoopbackServer } from '../test/support/mem0-server';

/** The pre-call benchmark's callers, by how many memories each has. */
export const MEMORY_COUNTS = [0, 10, 100, 1000] as const;
export type MemoryCount = (typeof MEMORY_COUNTS)[number];

export function callerWith(memories: MemoryCount): string {
  return `+1612555${String(memories).padStart(4, '0')}`;
}

/** The search benchmark asks a caller with a hundred memories about things some of them mention. */
export const SEARCH_CALLER = callerWith(100);
export const SEARCH_QUERY = 'granddaughter garden trip';

const TOPICS = [
  'grew up in Duluth, Minnesota, by the lake',
  'has a granddaughter named Lucy who studies marine biology',
  'tends a vegetable garden and swears by heirloom tomatoes',
  'took a train trip across Canada in 1987',
  'prefers to be called in the late afternoon',
  'worked thirty years as a school librarian',
  'is allergic to shellfish',
  'plays bridge every Thursday with three old friends',
  'is writing a memoir about her mother, a nurse in the war',
  'wants the next session to cover the years in Lisbon',
];

const DAY_MS = 24 * 3600 * 1000;
const NEWEST_CALL_MS = Date.UTC(2026, 10, 1, 18, 0, 0);

/** What the `i`-th memory of a caller with `count` is: the layout both backends' callers share. */
function memoryAt(i: number, count: number) {
  const createdAt = new Date(NEWEST_CALL_MS - i * DAY_MS).toISOString();
  const topic = TOPICS[i % TOPICS.length];
  if (i === 0) return { kind: 'profile', createdAt } as const;
  if (i % 5 === 1) {
    return {
      kind: 'summary',
      createdAt,
      conversationId: `conv_seed_${i}`,
      text: `Call ${count - i}: Margaret talked about how she ${topic}, and asked to continue next week.`,
      callDuration: 1200 + i,
    } as const;
  }
  return {
    kind: 'fact',
    createdAt,
    conversationId: `conv_seed_${i}`,
    text: `Margaret ${topic} (noted in call ${count - i}).`,
  } as const;
}

/**
 * Seeds a caller as months of calls leave them: one profile with their name, a call summary
 * (factual) for every fifth memory and facts (semantic) for the rest, one a day going back.
 * Deterministic, so every run reads the same data.
 */
export function seedCaller(mem0: Mem0LoopbackServer, callerId: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const seeded = memoryAt(i, count);
    const { createdAt } = seeded;
    if (seeded.kind === 'profile') {
      mem0.seed({
        userId: callerId,
        memory: 'Caller profile. user name: Margaret Ellison; language: en',
        metadata: { type: 'profile', profile: { user_name: 'Margaret Ellison', language: 'en' } },
        createdAt,
      });
    } else if (seeded.kind === 'summary') {
      mem0.seed({
        userId: callerId,
        memory: seeded.text,
        metadata: {
          type: 'factual',
          conversation_id: seeded.conversationId,
          timestamp: createdAt,
          call_duration: seeded.callDuration,
        },
        createdAt,
      });
    } else {
      mem0.seed({
        userId: callerId,
        memory: seeded.text,
        metadata: { type: 'semantic', conversation_id: seeded.conversationId },
        createdAt,
      });
    }
  }
}

/**
 * The same caller in AgentCore Memory, as the product leaves them there: the profile and each call
 * summary are records the adapter wrote (through `store`, so they carry its metadata), each call
 * left its transcript as events in a session of its own (every call still within the events'
 * expiry: the most sessions a pre-call has to look through), and the facts are records the
 * semantic strategy extracted — after the newest call, so the pre-call finds extraction caught up
 * and counts exactly `count` memories.
 */
export async function seedAgentCoreCaller(
  store: MemoryStore,
  server: AgentCoreLoopbackServer,
  callerId: string,
  count: number,
): Promise<void> {
  const caller = callerId as CallerId;
  const factsNamespace = AGENTCORE_NAMESPACE_TEMPLATES.facts.replace('{actorId}', actorIdOf(callerId));
  // Oldest first: the newest call's session is the latest one created, as when calls come in.
  for (let i = count - 1; i >= 0; i--) {
    const seeded = memoryAt(i, count);
    if (seeded.kind === 'profile') {
      await store.add(caller, {
        kind: 'text',
        text: 'Caller profile. user name: Margaret Ellison; language: en',
        metadata: {
          type: 'profile',
          conversation_id: 'conv_seed_profile',
          timestamp: seeded.createdAt,
          profile: { user_name: 'Margaret Ellison', language: 'en' },
        },
      });
    } else if (seeded.kind === 'summary') {
      const metadata = { conversation_id: seeded.conversationId, timestamp: seeded.createdAt };
      await store.add(caller, {
        kind: 'conversation',
        turns: [
          { role: 'assistant', content: 'Hello Margaret, where did we stop last time?' },
          { role: 'user', content: seeded.text },
        ],
        metadata: { ...metadata, type: 'semantic' },
      });
      await store.add(caller, {
        kind: 'text',
        text: seeded.text,
        metadata: { ...metadata, type: 'factual', call_duration: seeded.callDuration },
      });
    } else {
      server.seedRecord({
        namespace: factsNamespace,
        text: seeded.text,
        createdAt: new Date(NEWEST_CALL_MS + 3600_000 - i * 1000),
        strategyId: 'AgenticMemoryFacts-0123456789',
      });
    }
  }
}
