import { MAX_ANSWER_CHARS, MAX_MEMORY_CHARS, searchAnswer } from '../../../lambdas/retrieve/search-answer';
import type { Memory } from '../../../lambdas/shared/memory';

const memory = (id: string, text: string, score: number): Memory => ({
  id,
  memory: text,
  score,
  metadata: { type: 'semantic' },
});

describe('searchAnswer', () => {
  it('ranks by score and keeps id, text, score and metadata', () => {
    const answer = searchAnswer([memory('a', 'low', 0.1), memory('b', 'high', 0.9)]);
    expect(answer.memories.map((m) => m.id)).toEqual(['b', 'a']);
    expect(answer.memories[0]).toEqual({ id: 'b', memory: 'high', score: 0.9, metadata: { type: 'semantic' } });
  });

  it('clips each memory and caps the whole answer, dropping the lowest ranked', () => {
    const many = Array.from({ length: 50 }, (_, i) => memory(`m${i}`, 'w'.repeat(5000), 1 - i / 100));
    const answer = searchAnswer(many);
    expect(answer.memories[0].memory.length).toBe(MAX_MEMORY_CHARS);
    expect(JSON.stringify(answer).length).toBeLessThanOrEqual(MAX_ANSWER_CHARS);
    expect(answer.memories[0].id).toBe('m0');
    expect(answer.memories.length).toBeLessThan(50);
  });
});
