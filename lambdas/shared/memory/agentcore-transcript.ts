import type { PayloadType } from '@aws-sdk/client-bedrock-agentcore';
import type { ConversationTurn } from './memory-store';

/**
 * A transcript as AgentCore conversational events, within the API's limits (SDK model:
 * `PayloadTypeList` at most 100 items per event, `Content.text` 1-100,000 characters). A turn
 * longer than that is cut into several payload items of the same role, at whitespace where
 * there is some; nothing is dropped but turns that are only whitespace, which hold no words.
 */
export const MAX_PAYLOAD_ITEMS_PER_EVENT = 100;
export const MAX_CONTENT_CHARS = 100_000;
/** Our bound on one event's text in all, so a request stays well below any size limit. */
export const MAX_EVENT_CHARS = 100_000;

export type TranscriptItem = { role: 'USER' | 'ASSISTANT'; text: string };

/** The events (each a list of payload items) that carry these turns, in order. */
export function transcriptEvents(turns: readonly ConversationTurn[]): TranscriptItem[][] {
  const events: TranscriptItem[][] = [];
  let current: TranscriptItem[] = [];
  let currentChars = 0;
  for (const turn of turns) {
    if (turn.content.trim() === '') continue;
    const role = turn.role === 'assistant' ? 'ASSISTANT' : 'USER';
    for (const text of splitText(turn.content, MAX_CONTENT_CHARS)) {
      if (current.length === MAX_PAYLOAD_ITEMS_PER_EVENT || currentChars + text.length > MAX_EVENT_CHARS) {
        events.push(current);
        current = [];
        currentChars = 0;
      }
      current.push({ role, text });
      currentChars += text.length;
    }
  }
  if (current.length > 0) events.push(current);
  return events;
}

export function payloadOf(items: readonly TranscriptItem[]): PayloadType[] {
  return items.map(({ role, text }) => ({ conversational: { role, content: { text } } }));
}

/**
 * Cuts text into pieces of at most `max` characters whose concatenation is the text: at the last
 * whitespace of the second half of a piece when there is one, never inside a surrogate pair.
 */
export function splitText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (text.length - start > max) {
    let cut = start + max;
    const space = Math.max(text.lastIndexOf(' ', cut - 1), text.lastIndexOf('\n', cut - 1));
    if (space > start + max / 2) cut = space + 1;
    else if (isHighSurrogate(text.charCodeAt(cut - 1))) cut -= 1;
    pieces.push(text.slice(start, cut));
    start = cut;
  }
  pieces.push(text.slice(start));
  return pieces;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
