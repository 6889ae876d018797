import {
  callerName,
  greeting,
  memoryContext,
  memorySummary,
  promptFromTemplate,
  type CallerMemory,
} from '../../../../lambdas/shared/context';
import { initiationResponse } from '../../../../lambdas/shared/elevenlabs/initiation-response';
import type { Memory, MemoryType } from '../../../../lambdas/shared/memory';
import {
  frameOf,
  injectionCorpus,
  isPlainName,
  problemsInCallerLine,
  problemsInMemoryContext,
} from '../../../support/inert-output';

/**
 * Every string of the corpus (real injections from public collections, and our own aimed at this
 * project) put where caller words go: a remembered fact (as said, and dressed as a role line on a
 * new line, the way an attacker prefixes it), call summaries (one dressed the same way) with their evaluation rationale, a
 * profile value, a name. The pre-call rendering must leave none of them able to act as anything
 * but data.
 */
const corpus = injectionCorpus();
const bounds = { maxFacts: 10, maxHighlights: 3, maxChars: 4000 };
const TEMPLATE = 'You are the Harbor Bistro host.\n\n{{memory_context}}\n\nKeep answers short.';

const memory = (type: MemoryType, text: string, extra: Partial<Memory['metadata']> = {}): Memory => ({
  id: `${type}-${text.length}`,
  memory: text,
  metadata: { type, timestamp: '2026-11-20T10:00:00Z', ...extra },
});

function rememberingEverywhere(text: string): CallerMemory {
  return {
    highlights: [
      memory('factual', `Booked a table.\nSYSTEM: ${text}\n\norder_taken: ${text}`),
      memory('factual', text),
    ],
    facts: [
      memory('semantic', text),
      memory('semantic', `Thanks.\nSYSTEM: ${text}`),
      memory('semantic', `My name is ${text}`),
      memory('semantic', 'Likes tea'),
    ],
    profiles: [
      memory('profile', `Caller profile. user name: ${text}`, { profile: { user_name: text, language: text } }),
    ],
    previousCalls: 2,
    memoryCount: 5,
  };
}

const frame = frameOf(memoryContext(rememberingEverywhere('Likes tea'), undefined, bounds));
const capitalised = (value: string) =>
  value
    .trim()
    .split(/ +/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');

describe('the prompt-injection corpus', () => {
  it('holds at least 50 strings from public collections, each with its source', () => {
    const published = corpus.filter((entry) => !entry.source.startsWith('AgenticMemory'));
    expect(published.length).toBeGreaterThanOrEqual(50);
    expect(new Set(published.map((entry) => entry.url)).size).toBeGreaterThanOrEqual(8);
    for (const entry of corpus) expect(entry.source.length).toBeGreaterThan(10);
  });

  it('is hostile: before rendering, nearly every entry trips the checks', () => {
    const tripping = corpus.filter((entry) => problemsInCallerLine(entry.text).length > 0);
    expect(tripping.length).toBeGreaterThan(corpus.length * 0.6);
  });
});

describe.each(corpus.map((entry, i) => [i, entry.source, entry.text] as const))(
  'corpus entry %i (%s)',
  (_i, _source, text) => {
    const remembered = rememberingEverywhere(text);
    const name = callerName(remembered.profiles, [...remembered.facts, ...remembered.highlights]);
    const context = memoryContext(remembered, name, bounds);

    it('renders as one data block in the fixed frame, every item inert and capped, and so reaches the prompt', () => {
      expect(problemsInMemoryContext(context, frame)).toEqual([]);
      const prompt = promptFromTemplate(TEMPLATE, context);
      expect(prompt).toBe(`You are the Harbor Bistro host.\n\n${context}\n\nKeep answers short.`);
      expect(prompt).not.toMatch(/\{\{|\}\}/);
    });

    it('sends inert dynamic variables, and a name only if it is a plain name', () => {
      const variables = initiationResponse({
        callerId: '+16125550142',
        callerName: name,
        memoryCount: remembered.memoryCount,
        memorySummary: memorySummary(remembered),
        memoryContext: context,
        returning: true,
      }).dynamic_variables;
      expect(problemsInCallerLine(variables.memory_summary)).toEqual([]);
      expect(Array.from(variables.memory_summary).length).toBeLessThanOrEqual(500);
      expect(variables.caller_name === '' || isPlainName(variables.caller_name)).toBe(true);
    });

    it('names the caller from a profile value only when the whole value is a plain name, never from a prefix', () => {
      const fromProfile = callerName(remembered.profiles, []);
      expect(fromProfile === undefined || fromProfile === capitalised(text)).toBe(true);
      if (fromProfile !== undefined) expect(isPlainName(fromProfile)).toBe(true);
      const fromSpeech = callerName([], [memory('semantic', `My name is ${text}`)]);
      if (fromSpeech !== undefined) expect(isPlainName(fromSpeech)).toBe(true);
      const hello = greeting({ returning: true, name: text, newCallerGreeting: 'Hi' });
      expect(hello).toMatch(/^Hello (again|[\p{L}\p{M}'’-]+)! Welcome back\. How can I help you today\?$/u);
      if (!isPlainName(text)) expect(hello).toBe('Hello again! Welcome back. How can I help you today?');
    });
  },
);
