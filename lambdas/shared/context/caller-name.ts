import type { Memory } from '../memory';
import { isNameWord, plainName } from './caller-words';

/** Data-collection ids that hold the caller's name, in order of preference. */
const PROFILE_NAME_KEYS = ['user_name', 'caller_name', 'customer_name', 'full_name', 'name', 'first_name'];

/**
 * Phrases that introduce a name in a caller's own words or in a memory Mem0 wrote about them.
 * The captured run is checked by `plausibleName` before it is believed.
 */
const NAME_PATTERNS: RegExp[] = [
  /\bmy name is\s+([^.,;!?\n]+)/i,
  /\b(?:user|caller|customer|client)(?:'s|’s)? (?:full |first )?name is\s+([^.,;!?\n]+)/i,
  /\bname is\s+([^.,;!?\n]+)/i,
  /\bgoes by\s+(?:the name\s+)?([^.,;!?\n]+)/i,
  /\bplease call me\s+([^.,;!?\n]+)/i,
];

/**
 * The name at the start of a phrase such as "Margaret Ellison and I grew up in Duluth": the
 * leading name words, if there are one to three of them and what follows is an ordinary word.
 * When a name run is followed by markup, braces or symbols, the phrase is not trusted at all.
 */
export function plausibleName(candidate: string): string | undefined {
  const words = candidate.trim().split(/\s+/);
  let length = 0;
  while (length < words.length && isNameWord(words[length])) length++;
  const next = words[length];
  if (next !== undefined && !ORDINARY_WORD.test(next)) return undefined;
  return length > 0 ? plainName(words.slice(0, length).join(' ')) : undefined;
}

const ORDINARY_WORD = /^[\p{L}\p{M}'’-]+$/u;

/** The caller's name from a profile memory's structured data-collection results: the whole value must be a plain name. */
export function nameFromProfiles(profiles: Memory[]): string | undefined {
  for (const memory of profiles) {
    const profile = memory.metadata.profile ?? {};
    for (const key of PROFILE_NAME_KEYS) {
      const value = profile[key];
      if (typeof value !== 'string') continue;
      const name = plainName(capitalise(value));
      if (name) return name;
    }
  }
  return undefined;
}

/** The caller's name from memory text, by the phrases people (and Mem0) use to state it. */
export function nameFromText(texts: Iterable<string>): string | undefined {
  for (const text of texts) {
    for (const pattern of NAME_PATTERNS) {
      const match = pattern.exec(text);
      const name = match ? plausibleName(match[1]) : undefined;
      if (name) return name;
    }
  }
  return undefined;
}

export function callerName(profiles: Memory[], others: Memory[]): string | undefined {
  return nameFromProfiles(profiles) ?? nameFromText(others.map((m) => m.memory));
}

/** "Margaret Ellison" → "Margaret": greetings use the first name. */
export function firstName(name: string): string {
  return name.split(/\s+/)[0];
}

function capitalise(value: string): string {
  return value
    .trim()
    .split(/ +/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}
