import type { Memory } from '../memory';

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

/** Words that follow "my name is …" or "goes by …" without being a name. */
const NOT_NAMES = new Set(
  [
    'a',
    'an',
    'the',
    'not',
    'no',
    'unknown',
    'none',
    'null',
    'undefined',
    'private',
    'calling',
    'here',
    'just',
    'really',
    'actually',
    'very',
    'so',
    'too',
    'is',
    'was',
    'and',
    'or',
    'but',
    'it',
    'that',
    'this',
    'what',
    'who',
    'why',
    'how',
    'fine',
    'good',
    'okay',
    'ok',
    'sorry',
    'hello',
    'hi',
    'yes',
    'yeah',
    'sure',
    'well',
    'on',
    'in',
    'at',
    'of',
    'for',
    'with',
    'to',
    'from',
    'by',
    'my',
    'your',
    'his',
    'her',
    'their',
    'our',
    'he',
    'she',
    'they',
    'we',
    'you',
    'i',
    'me',
    'mr',
    'mrs',
    'ms',
    'dr',
    'user',
    'caller',
    'customer',
  ].map((w) => w.toLowerCase()),
);

const NAME_WORD = /^[\p{Lu}][\p{L}'’-]{0,29}$/u;

/** A name is one to three capitalised words of letters that are not common non-name words. */
export function plausibleName(candidate: string): string | undefined {
  const words = candidate.trim().split(/\s+/).slice(0, 3);
  const kept: string[] = [];
  for (const word of words) {
    if (!NAME_WORD.test(word) || NOT_NAMES.has(word.toLowerCase())) break;
    kept.push(word);
  }
  if (kept.length === 0) return undefined;
  return kept.join(' ');
}

/** The caller's name from a profile memory's structured data-collection results. */
export function nameFromProfiles(profiles: Memory[]): string | undefined {
  for (const memory of profiles) {
    const profile = memory.metadata.profile ?? {};
    for (const key of PROFILE_NAME_KEYS) {
      const value = profile[key];
      if (typeof value !== 'string') continue;
      const name = plausibleName(capitalise(value));
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
    .split(/\s+/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}
