import type { Memory } from '../memory';
import type { CallerMemory } from './caller-memory';

export interface ContextBounds {
  maxFacts: number;
  maxHighlights: number;
  maxChars: number;
}

const MAX_LINE_CHARS = 300;

/**
 * The memory context the prompt override carries: how often we spoke, what we know (newest
 * first), what recent calls were about, and how to use it. Never longer than `maxChars`:
 * the lowest-priority lines (oldest highlights, then oldest facts) are dropped first.
 */
export function memoryContext(memory: CallerMemory, name: string | undefined, bounds: ContextBounds): string {
  if (memory.memoryCount === 0) {
    return [
      '## Caller memory',
      'This is a new caller: you have no record of previous conversations with them.',
      'Ask for their name early in the conversation so you can remember them next time.',
    ].join('\n');
  }

  const header = ['## Caller memory', introduction(memory.previousCalls, name)];
  const facts = uniqueTexts(memory.facts)
    .slice(0, bounds.maxFacts)
    .map((text) => `- ${clip(text)}`);
  const highlights = memory.highlights.slice(0, bounds.maxHighlights).map((m) => `- ${dateOf(m)}${clip(summaryOf(m))}`);
  const guidance = [
    '',
    'Use these memories naturally, the way a person who remembers the caller would: refer to them',
    'when relevant, do not recite them as a list, and never mention that you have a memory system.',
    'If the caller corrects something, trust the caller.',
  ];

  const assemble = () =>
    [
      ...header,
      ...(facts.length ? ['', 'What you know about the caller (newest first):', ...facts] : []),
      ...(highlights.length ? ['', 'Highlights of recent conversations:', ...highlights] : []),
      ...guidance,
    ].join('\n');

  let text = assemble();
  while (text.length > bounds.maxChars && (highlights.length > 0 || facts.length > 0)) {
    if (highlights.length > 0) highlights.pop();
    else facts.pop();
    text = assemble();
  }
  return text.length > bounds.maxChars ? `${text.slice(0, bounds.maxChars - 1)}…` : text;
}

/** A one-line summary for the `memory_summary` dynamic variable. */
export function memorySummary(memory: CallerMemory, maxChars = 500): string {
  if (memory.memoryCount === 0) return '';
  const parts = [`${memory.previousCalls} previous ${memory.previousCalls === 1 ? 'call' : 'calls'}.`];
  const last = memory.highlights[0];
  if (last) parts.push(`Last call: ${oneLine(summaryOf(last))}.`);
  const facts = uniqueTexts(memory.facts).slice(0, 3);
  if (facts.length) parts.push(`Known: ${facts.map(oneLine).join('; ')}`);
  const summary = parts.join(' ');
  return summary.length > maxChars ? `${summary.slice(0, maxChars - 1)}…` : summary;
}

function introduction(previousCalls: number, name: string | undefined): string {
  const who = name ? `this caller, ${name},` : 'this caller';
  if (previousCalls === 0) return `You have spoken with ${who} before.`;
  return `You have spoken with ${who} ${previousCalls === 1 ? 'once' : `${previousCalls} times`} before.`;
}

function uniqueTexts(memories: Memory[]): string[] {
  const seen = new Set<string>();
  const texts: string[] = [];
  for (const { memory } of memories) {
    const key = memory.trim().toLowerCase();
    if (key && !seen.has(key)) {
      seen.add(key);
      texts.push(memory.trim());
    }
  }
  return texts;
}

/** A call memory is its summary, then a blank line and the evaluation rationales: the summary is the highlight. */
function summaryOf(memory: Memory): string {
  return memory.memory.split(/\n\s*\n/)[0];
}

function dateOf(memory: Memory): string {
  const when = memory.metadata.timestamp ?? memory.createdAt;
  return when && /^\d{4}-\d{2}-\d{2}/.test(when) ? `${when.slice(0, 10)}: ` : '';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
}

function clip(text: string): string {
  const line = oneLine(text);
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line;
}
