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

/**
 * Seeds a caller as months of calls leave them: one profile with their name, a call summary
 * (factual) for every fifth memory and facts (semantic) for the rest, one a day going back.
 * Deterministic, so every run reads the same data.
 */
export function seedCaller(mem0: Mem0LoopbackServer, callerId: string, count: number): void {
  const day = 24 * 3600 * 1000;
  const newest = Date.UTC(2026, 10, 1, 18, 0, 0);
  for (let i = 0; i < count; i++) {
    const createdAt = new Date(newest - i * day).toISOString();
    const topic = TOPICS[i % TOPICS.length];
    if (i === 0) {
      mem0.seed({
        userId: callerId,
        memory: 'Caller profile. user name: Margaret Ellison; language: en',
        metadata: { type: 'profile', profile: { user_name: 'Margaret Ellison', language: 'en' } },
        createdAt,
      });
    } else if (i % 5 === 1) {
      mem0.seed({
        userId: callerId,
        memory: `Call ${count - i}: Margaret talked about how she ${topic}, and asked to continue next week.`,
        metadata: { type: 'factual', conversation_id: `conv_seed_${i}`, timestamp: createdAt, call_duration: 1200 + i },
        createdAt,
      });
    } else {
      mem0.seed({
        userId: callerId,
        memory: `Margaret ${topic} (noted in call ${count - i}).`,
        metadata: { type: 'semantic', conversation_id: `conv_seed_${i}` },
        createdAt,
      });
    }
  }
}
