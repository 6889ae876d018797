import type { CallerId } from '../caller';
import { withDeadline } from '../deadline';
import type { MemoryStore } from '../memory';
import type { CallerMemory } from './caller-memory';

/**
 * Everything the pre-call needs, in one deadline: the three reads run side by side, so the
 * wait is the slowest of them, not their sum.
 */
export async function readCallerMemory(
  store: MemoryStore,
  callerId: CallerId,
  limits: { maxFacts: number; maxHighlights: number; deadlineMs: number },
): Promise<CallerMemory> {
  const [highlights, facts, profiles] = await withDeadline(
    Promise.all([
      store.list(callerId, { type: 'factual', limit: Math.max(1, limits.maxHighlights) }),
      store.list(callerId, { type: 'semantic', limit: Math.max(1, limits.maxFacts) }),
      store.list(callerId, { type: 'profile', limit: 5 }),
    ]),
    limits.deadlineMs,
    'memory read',
  );
  return {
    highlights: highlights.memories,
    facts: facts.memories,
    profiles: profiles.memories,
    previousCalls: highlights.total,
    memoryCount: highlights.total + facts.total + profiles.total,
  };
}
