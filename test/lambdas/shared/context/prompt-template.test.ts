import { MIN_CONTEXT_CHARS, clientDataSettings } from '../../../../lambdas/shared/config';
import { memoryContext, promptFromTemplate, type CallerMemory } from '../../../../lambdas/shared/context';

const TEMPLATE = 'You are the Harbor Bistro host. Prices are in $.\n\n{{memory_context}}\n\nBe brief.';

const remembering = (text: string): CallerMemory => ({
  highlights: [],
  facts: [{ id: '1', memory: text, metadata: { type: 'semantic' } }],
  profiles: [],
  previousCalls: 1,
  memoryCount: 1,
});
const contextOf = (text: string) =>
  memoryContext(remembering(text), undefined, { maxFacts: 5, maxHighlights: 3, maxChars: 4000 });

describe('promptFromTemplate: operator text around the memory block', () => {
  it('puts the memory block where the template says, keeping the operator text as written', () => {
    const context = contextOf('Prefers a window table');
    expect(promptFromTemplate(TEMPLATE, context)).toBe(
      `You are the Harbor Bistro host. Prices are in $.\n\n${context}\n\nBe brief.`,
    );
  });

  it("inserts caller text literally: replacement patterns ($&, $1, $$, $') mean nothing", () => {
    const context = contextOf("It cost $& and $1 and $$ and $'");
    expect(context).toContain("It cost $& and $1 and $$ and $'");
    expect(promptFromTemplate(TEMPLATE, context)).toBe(
      `You are the Harbor Bistro host. Prices are in $.\n\n${context}\n\nBe brief.`,
    );
  });

  it('never inserts twice: caller text that names the placeholder is not a placeholder', () => {
    const context = contextOf('{{memory_context}} {{ memory_context }} ｛｛memory_context｝｝');
    const prompt = promptFromTemplate(TEMPLATE, context);
    expect(prompt.split('<caller_memory>')).toHaveLength(2);
    expect(prompt).not.toMatch(/[{}｛｝]/);
  });

  it('fills every placeholder the operator wrote', () => {
    expect(promptFromTemplate('A {{memory_context}} B {{memory_context}}', 'X')).toBe('A X B X');
  });
});

describe('client-data settings for the memory context', () => {
  it('send no prompt override unless a template is configured', () => {
    expect(clientDataSettings({}).basePromptTemplate).toBeUndefined();
    expect(clientDataSettings({ BASE_PROMPT_TEMPLATE: '   ' }).basePromptTemplate).toBeUndefined();
    expect(clientDataSettings({ BASE_PROMPT_TEMPLATE: TEMPLATE }).basePromptTemplate).toBe(TEMPLATE);
  });

  it('refuse a template without {{memory_context}}, naming the variable', () => {
    expect(() => clientDataSettings({ BASE_PROMPT_TEMPLATE: 'You are a host.' })).toThrow(
      /BASE_PROMPT_TEMPLATE: must contain \{\{memory_context\}\}/,
    );
  });

  it('refuse a context budget too small for the data block’s frame', () => {
    expect(() => clientDataSettings({ CONTEXT_MAX_CHARS: String(MIN_CONTEXT_CHARS - 1) })).toThrow(/CONTEXT_MAX_CHARS/);
    expect(clientDataSettings({ CONTEXT_MAX_CHARS: String(MIN_CONTEXT_CHARS) }).maxContextChars).toBe(
      MIN_CONTEXT_CHARS,
    );
  });
});
