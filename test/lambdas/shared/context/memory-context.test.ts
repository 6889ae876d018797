import {
  NO_MEMORY,
  greeting,
  memoryContext,
  memorySummary,
  type CallerMemory,
} from '../../../../lambdas/shared/context';
import type { Memory, MemoryType } from '../../../../lambdas/shared/memory';

const m = (type: MemoryType, text: string, timestamp?: string): Memory => ({
  id: `${type}-${text}`,
  memory: text,
  metadata: { type, timestamp },
});

const returning: CallerMemory = {
  highlights: [
    m('factual', 'Talked about her childhood in Duluth.', '2026-11-20T10:00:00Z'),
    m('factual', 'Started the memoir project.', '2026-11-01T10:00:00Z'),
  ],
  facts: [
    m('semantic', 'Grew up in Duluth'),
    m('semantic', 'Has two grandchildren'),
    m('semantic', 'grew up in duluth'),
  ],
  profiles: [],
  previousCalls: 2,
  memoryCount: 7,
};

const bounds = { maxFacts: 10, maxHighlights: 3, maxChars: 4000 };

describe('memoryContext', () => {
  it('tells the agent how often it spoke with the caller, what it knows and what recent calls were about', () => {
    const text = memoryContext(returning, 'Margaret', bounds);
    expect(text).toContain('You have spoken with this caller, Margaret, 2 times before.');
    expect(text).toContain('- Grew up in Duluth');
    expect(text).toContain('- 2026-11-20: Talked about her childhood in Duluth');
    expect(text).toMatch(/use these memories naturally/i);
  });

  it('lists facts newest first and without duplicates', () => {
    const text = memoryContext(returning, undefined, bounds);
    expect(text.indexOf('Grew up in Duluth')).toBeLessThan(text.indexOf('Has two grandchildren'));
    expect(text.match(/duluth/gi)).toHaveLength(2); // one fact, one highlight: the duplicate fact is gone
  });

  it('quotes a call by its summary, without the evaluation rationales', () => {
    const withRationales = {
      ...returning,
      highlights: [
        m('factual', 'Ordered a lemon cake.\n\norder_taken: The agent took the order.', '2026-11-20T10:00:00Z'),
      ],
    };
    expect(memoryContext(withRationales, undefined, bounds)).toContain('- 2026-11-20: Ordered a lemon cake');
    expect(memoryContext(withRationales, undefined, bounds)).not.toContain('order_taken');
    expect(memorySummary(withRationales)).toContain('Last call: Ordered a lemon cake.');
    expect(memorySummary(withRationales)).not.toContain('order_taken');
  });

  it('honours the number of facts and highlights', () => {
    const text = memoryContext(returning, undefined, { maxFacts: 1, maxHighlights: 1, maxChars: 4000 });
    expect(text).not.toContain('Has two grandchildren');
    expect(text).not.toContain('Started the memoir project');
  });

  it('never exceeds the character cap, dropping the oldest highlights first', () => {
    const many: CallerMemory = {
      ...returning,
      facts: Array.from({ length: 50 }, (_, i) => m('semantic', `Fact number ${i} ${'x'.repeat(100)}`)),
      highlights: Array.from({ length: 10 }, (_, i) => m('factual', `Call ${i} ${'y'.repeat(200)}`)),
    };
    const text = memoryContext(many, 'Margaret', { maxFacts: 50, maxHighlights: 10, maxChars: 1500 });
    expect(text.length).toBeLessThanOrEqual(1500);
    expect(text).toContain('Fact number 0');
  });

  it('describes a new caller as new', () => {
    expect(memoryContext(NO_MEMORY, undefined, bounds)).toMatch(/new caller/);
  });
});

describe('memorySummary', () => {
  it('is empty for a new caller and one bounded line for a returning one', () => {
    expect(memorySummary(NO_MEMORY)).toBe('');
    const summary = memorySummary(returning);
    expect(summary).toContain('2 previous calls.');
    expect(summary).toContain('Last call: Talked about her childhood in Duluth');
    expect(summary).not.toContain('\n');
    expect(memorySummary({ ...returning, facts: [m('semantic', 'z'.repeat(2000))] }, 300).length).toBeLessThanOrEqual(
      300,
    );
  });
});

describe('greeting', () => {
  const newCallerGreeting = 'Welcome to Harbor Bistro!';
  it('greets a returning caller by first name', () => {
    expect(greeting({ returning: true, name: 'Margaret Ellison', newCallerGreeting })).toBe(
      'Hello Margaret! Welcome back. How can I help you today?',
    );
  });
  it('welcomes back a returning caller whose name is unknown', () => {
    expect(greeting({ returning: true, newCallerGreeting })).toMatch(/^Hello again! Welcome back/);
  });
  it('uses the configured greeting for a new caller', () => {
    expect(greeting({ returning: false, name: 'Ignored', newCallerGreeting })).toBe(newCallerGreeting);
  });
});
