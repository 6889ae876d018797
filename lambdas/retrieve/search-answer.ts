import type { Memory, MemoryMetadata } from '../shared/memory';

/** What the agent's LLM receives for one memory. */
export interface FoundMemory {
  id: string;
  memory: string;
  score: number;
  metadata: MemoryMetadata;
}

export const MAX_MEMORY_CHARS = 600;
/** A tool result is read by the LLM mid-call: keep the whole answer a few KB. */
export const MAX_ANSWER_CHARS = 8_000;

/**
 * Ranked memories for the tool result: each text clipped, and lowest-ranked memories left
 * out once the serialised answer would pass the total cap.
 */
export function searchAnswer(memories: Memory[]): { memories: FoundMemory[] } {
  const ranked = [...memories].sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
  const found: FoundMemory[] = [];
  let size = '{"memories":[]}'.length;
  for (const memory of ranked) {
    const entry: FoundMemory = {
      id: memory.id,
      memory: clip(memory.memory),
      score: Math.round((memory.score ?? 0) * 1000) / 1000,
      metadata: memory.metadata,
    };
    const entrySize = JSON.stringify(entry).length + 1;
    if (size + entrySize > MAX_ANSWER_CHARS) break;
    size += entrySize;
    found.push(entry);
  }
  return { memories: found };
}

function clip(text: string): string {
  return text.length > MAX_MEMORY_CHARS ? `${text.slice(0, MAX_MEMORY_CHARS - 1)}…` : text;
}
