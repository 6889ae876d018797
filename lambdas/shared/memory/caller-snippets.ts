import type { ConversationTurn, NewMemory } from './memory-store';

/**
 * What a store without an LLM remembers of a conversation: the caller's own words in short
 * snippets, small talk left out (the embedded store; the AgentCore store while extraction lags).
 */

/** A snippet short enough to read back to the agent as one fact. */
export const MAX_SNIPPET_CHARS = 300;
export const MAX_TEXT_CHARS = 4000;
const MIN_SNIPPET_WORDS = 3;
/** Words of small talk: a snippet made only of these ("No, that is everything. Thank you so much.") is no fact. */
const SMALL_TALK = new Set(
  (
    'yes yeah yep no nope ok okay alright right sure fine good great perfect lovely wonderful nice well oh ' +
    "um uh hmm hi hello hey bye goodbye thank thanks you so much very that that's is it it's all everything " +
    "for now the a and just please really i i'm me we that'll be sounds have day too bit"
  ).split(' '),
);

/**
 * Without an LLM to extract facts, a conversation is remembered as what the caller said, in
 * short snippets: a search then finds the relevant sentence, never a whole transcript.
 */
export function snippetsOf(memory: NewMemory): string[] {
  if (memory.kind === 'text') {
    const text = memory.text.trim();
    return text === '' ? [] : [text.slice(0, MAX_TEXT_CHARS)];
  }
  return callerSnippets(memory.turns);
}

export function callerSnippets(turns: readonly ConversationTurn[]): string[] {
  return turns
    .filter((turn) => turn.role === 'user')
    .flatMap((turn) => splitIntoSnippets(normalise(turn.content)))
    .filter((snippet) => wordCount(snippet) >= MIN_SNIPPET_WORDS && !onlySmallTalk(snippet));
}

/** Whole sentences packed up to the size limit; a sentence too long on its own is cut at words. */
function splitIntoSnippets(text: string): string[] {
  const snippets: string[] = [];
  let current = '';
  for (const sentence of text.split(/(?<=[.!?…])\s+/).flatMap(cutAtWords)) {
    if (current !== '' && current.length + 1 + sentence.length > MAX_SNIPPET_CHARS) {
      snippets.push(current);
      current = sentence;
    } else {
      current = current === '' ? sentence : `${current} ${sentence}`;
    }
  }
  if (current !== '') snippets.push(current);
  return snippets;
}

function cutAtWords(sentence: string): string[] {
  const pieces: string[] = [];
  let rest = sentence;
  while (rest.length > MAX_SNIPPET_CHARS) {
    const space = rest.lastIndexOf(' ', MAX_SNIPPET_CHARS);
    const cut = space > 0 ? space : MAX_SNIPPET_CHARS;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  return rest === '' ? pieces : [...pieces, rest];
}

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function onlySmallTalk(text: string): boolean {
  const words =
    text
      .toLowerCase()
      .replace(/’/g, "'")
      .match(/[\p{L}\p{N}']+/gu) ?? [];
  return words.every((word) => SMALL_TALK.has(word));
}

function wordCount(text: string): number {
  return text.split(' ').filter((word) => /[\p{L}\p{N}]/u.test(word)).length;
}
