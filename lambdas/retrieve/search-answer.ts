import { inertText } from '../shared/context/caller-words';
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
 * Ranked memories for the tool result: each text neutralised and clipped like every caller
 * word that reaches the agent (so are profile values), and lowest-ranked memories left out once
 * the serialised answer would pass the total cap.
 */
export function searchAnswer(memories: Memory[]): { memories: FoundMemory[] } {
  const ranked = [...memories].sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
  const found: FoundMemory[] = [];
  let size = '{"memories":[]}'.length;
  for (const memory of ranked) {
    const entry: FoundMemory = {
      id: memory.id,
      memory: inertText(memory.memory, MAX_MEMORY_CHARS),
      score: Math.round((memory.score ?? 0) * 1000) / 1000,
      metadata: withInertProfile(memory.metadata),
    };
    const entrySize = JSON.stringify(entry).length + 1;
    if (size + entrySize > MAX_ANSWER_CHARS) break;
    size += entrySize;
    found.push(entry);
  }
  return { memories: found };
}

function withInertProfile(metadata: MemoryMetadata): MemoryMetadata {
  if (!metadata.profile) return metadata;
  const profile = Object.fromEntries(
    Object.entries(metadata.profile).map(([key, value]) => [key, typeof value === 'string' ? inertText(value) : value]),
  );
  return { ...metadata, profile };
}
