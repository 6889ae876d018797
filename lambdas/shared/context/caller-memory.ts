import type { Memory } from '../memory';

/** What the pre-call knows about a caller, read from the memory store in one bounded step. */
export interface CallerMemory {
  /** Call summaries, newest first (one per previous call). */
  highlights: Memory[];
  /** What the caller said or Mem0 learned, newest first. */
  facts: Memory[];
  profiles: Memory[];
  previousCalls: number;
  memoryCount: number;
}

export const NO_MEMORY: CallerMemory = { highlights: [], facts: [], profiles: [], previousCalls: 0, memoryCount: 0 };

export function isReturning(memory: CallerMemory): boolean {
  return memory.memoryCount > 0;
}
