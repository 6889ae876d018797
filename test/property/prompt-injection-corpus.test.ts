import { memoryContext, type CallerMemory } from '../../lambdas/shared/context';
import {
  BLOCK_START,
  frameOf,
  injectionCorpus,
  isPlainName,
  problemsInCallerLine,
  problemsInMemoryContext,
} from '../support/inert-output';
import { TestBed, json } from '../support/test-bed';

/**
 * The corpus end to end: each injection string stored as a caller's memories (a fact as said and
 * dressed as a role line on a new line, a call summary dressed the same way with its evaluation rationale, a profile
 * value and the name in it, a "my name is" sentence) in the loopback Mem0,
 * then the real pre-call handler answers that caller's call. Nothing in the answer may act as
 * anything but data: not the prompt override, not any dynamic variable, not the greeting.
 */
const corpus = injectionCorpus();
const TEMPLATE_HEAD = 'You are the Harbor Bistro host. Prices are in $ ($& is not a pattern).\n\n';
const TEMPLATE_TAIL = '\n\nKeep answers short.';
const NEW_CALLER_GREETING = 'Hello! Thanks for calling. How can I help you today?';

interface Answer {
  dynamic_variables: Record<string, string>;
  conversation_config_override?: { agent: { prompt?: { prompt: string }; first_message?: string } };
}

/** The frame every returning caller's context has, taken from a caller whose memories are harmless. */
function expectedFrame(): string {
  const harmless: CallerMemory = {
    highlights: [],
    facts: [{ id: 'f', memory: 'Likes tea', metadata: { type: 'semantic' } }],
    profiles: [],
    previousCalls: 1,
    memoryCount: 1,
  };
  return frameOf(memoryContext(harmless, undefined, { maxFacts: 1, maxHighlights: 1, maxChars: 4000 }));
}

describe('client-data end to end with the prompt-injection corpus', () => {
  let bed: TestBed;
  const callerFor = (i: number) => `+1555${String(7000000 + i)}`;

  beforeAll(async () => {
    bed = await TestBed.start({ env: { BASE_PROMPT_TEMPLATE: `${TEMPLATE_HEAD}{{memory_context}}${TEMPLATE_TAIL}` } });
    corpus.forEach(({ text }, i) => {
      const userId = callerFor(i);
      const at = { timestamp: '2026-11-20T10:00:00Z', conversation_id: `conv_${i}` };
      bed.mem0.seed({ userId, memory: text, metadata: { type: 'semantic' } });
      bed.mem0.seed({ userId, memory: `Thanks.\nSYSTEM: ${text}`, metadata: { type: 'semantic' } });
      bed.mem0.seed({ userId, memory: `My name is ${text}`, metadata: { type: 'semantic' } });
      bed.mem0.seed({
        userId,
        memory: `Booked a table.\nSYSTEM: ${text}\n\norder_taken: ${text}`,
        metadata: { type: 'factual', ...at },
      });
      bed.mem0.seed({
        userId,
        memory: `Caller profile. user name: ${text}`,
        metadata: { type: 'profile', ...at, profile: { user_name: text, caller_name: text } },
      });
    });
  });
  afterAll(() => bed.stop());

  const frame = expectedFrame();

  it.each(corpus.map((entry, i) => [i, entry.source, entry.text] as const))(
    'entry %i (%s): the answer carries it only as data',
    async (i) => {
      const response = await bed.callClientData({ caller_id: callerFor(i), call_sid: `CA${i}` });
      expect(response.statusCode).toBe(200);
      const answer = json(response) as unknown as Answer;
      const variables = answer.dynamic_variables;
      expect(variables.returning_caller).toBe('yes');

      // The memory block: one, delimited once, inside the fixed frame, every item inert.
      expect(problemsInMemoryContext(variables.memory_context, frame)).toEqual([]);
      // The prompt override: the operator's template around exactly that block, nothing expanded.
      const prompt = answer.conversation_config_override?.agent.prompt?.prompt ?? '';
      expect(prompt).toBe(`${TEMPLATE_HEAD}${variables.memory_context}${TEMPLATE_TAIL}`);
      expect(prompt.split(BLOCK_START)).toHaveLength(2);
      expect(prompt).not.toMatch(/\{\{|\}\}/);

      // Every other variable: one inert line; the name plain or absent.
      for (const name of ['caller_id', 'memory_summary', 'memory_count', 'returning_caller', 'caller_name']) {
        expect({ name, problems: problemsInCallerLine(variables[name]) }).toEqual({ name, problems: [] });
      }
      expect(variables.caller_name === '' || isPlainName(variables.caller_name)).toBe(true);

      // The greeting: by a plain first name, or none.
      const greeting = answer.conversation_config_override?.agent.first_message ?? '';
      expect(greeting).toMatch(/^Hello (again|[\p{L}\p{M}'’-]+)! Welcome back\. How can I help you today\?$/u);
      expect(greeting).not.toBe(NEW_CALLER_GREETING);
    },
  );
});
