/**
 * Caller words are data, never instructions. Everything a caller said, or that was remembered
 * about them (memories, call summaries, profile values, names), passes through here before it
 * reaches an agent, so that it cannot act as a template placeholder (`{{system__caller_id}}`),
 * a tag (`</memory>`, `<|im_start|>`), a role line (`SYSTEM:`, `[INST]`), a heading or a code
 * fence, and cannot hide text in control, format or bidi characters.
 *
 * An allow-list, not a block-list: after Unicode compatibility folding (fullwidth `｛` becomes
 * `{`), only letters, marks, digits, spaces and plain sentence punctuation are kept, and every
 * other character becomes a space. No bracket but `(` `)` survives, so no tag, placeholder or
 * chat token can be formed, however it is spelled.
 */

export const MAX_ITEM_CHARS = 300;
const MAX_NAME_CHARS = 50;
const MAX_NAME_WORDS = 3;

/**
 * Characters that render as nothing: format characters (zero-width, bidi controls, word joiner,
 * BOM, Unicode tag characters) and every default-ignorable code point (variation selectors, the
 * combining grapheme joiner, Hangul fillers, …).
 */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;
const HAS_INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;

/** Line breaks of every kind, and tabs: an item is one line. */
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]/g;

/**
 * Everything but letters, marks, digits, the space, currency signs, dashes, `+` (phone numbers)
 * and plain punctuation; and of plain punctuation, `#` (headings), `*` (emphasis, rules) and `\`
 * (escapes). Brackets other than parentheses, `< > | = ~ ^` and backticks are symbols, so they go too.
 */
const NOT_KEPT = /[^\p{L}\p{M}\p{N}\p{Sc}\p{Pd}\p{Po} _()+’‘“”„]|[#*\\]/gu;

/** A run of three or more of one mark (`-----`, `!!!!!`): a fake separator. */
const PUNCTUATION_RUN = /([\p{P}\p{S}])\1{2,}/gu;

/** Words that mark a turn in chat formats and prompt templates when a colon follows them. */
const ROLE_WORDS = [
  ...['system', 'sys', 'assistant', 'user', 'developer', 'human', 'ai', 'model', 'bot', 'agent', 'tool'],
  ...['function', 'operator', 'admin', 'administrator', 'root', 'inst', 'instruction', 'instructions'],
  ...['prompt', 'input', 'output', 'response', 'gpt', 'chatgpt', 'claude', 'llm'],
];
/** The colon and the characters that look like one (Hebrew sof pasuq, Armenian full stop, modifier letters, …). */
const COLON_LIKE = '[:\\u02D0\\u02D1\\u05C3\\u0589\\u0703-\\u0708\\u1804\\u205A\\u2236\\uA789\\uFE13\\uFE55\\uFF1A]';
const COLONS = new RegExp(COLON_LIKE, 'g');
const HAS_COLON_LIKE = new RegExp(COLON_LIKE);
/** A role word, not inside another word (modifier letters such as `ʼ` do not join words), then a colon. */
const ROLE_LINE = new RegExp(`(?<![\\p{Lu}\\p{Ll}\\p{Lt}\\p{Lo}\\p{N}_])(?:${ROLE_WORDS.join('|')})\\s*:`, 'giu');

/**
 * Cyrillic and Greek letters that look Latin, so that `ЅYSTEM:` (Cyrillic Ѕ) is known for a role
 * word. Each is one UTF-16 unit, like its Latin twin (and every colon look-alike is one unit, like
 * `:`): positions found in the skeleton are positions in the text, which keeps its own letters.
 */
const LOOKALIKES = new Map(
  [
    ...['аa', 'сc', 'еe', 'іi', 'ӏl', 'оo', 'рp', 'ѕs', 'хx', 'уy', 'ԁd', 'ԛq', 'ԝw', 'һh', 'јj'],
    ...['АA', 'ВB', 'СC', 'ЕE', 'НH', 'ІI', 'ЈJ', 'КK', 'МM', 'ОO', 'РP', 'ЅS', 'ТT', 'ХX', 'УY', 'ԜW'],
    ...['αa', 'ιi', 'οo', 'ρp', 'υu', 'νv', 'κk', 'τt'],
    ...['ΑA', 'ΒB', 'ΕE', 'ΗH', 'ΙI', 'ΚK', 'ΜM', 'ΝN', 'ΟO', 'ΡP', 'ΤT', 'ΥY', 'ΧX', 'ΖZ'],
  ].map((pair) => [pair[0], pair[1]] as const),
);
const LOOKALIKE = new RegExp(`[${[...LOOKALIKES.keys()].join('')}]`, 'g');

/**
 * One item of caller text as inert data: one line, no structure, at most `maxChars` characters,
 * an ellipsis marking a cut. Applying it again changes nothing.
 */
export function inertText(text: string, maxChars = MAX_ITEM_CHARS): string {
  const folded = text.replace(INVISIBLE, '').normalize('NFKC').replace(INVISIBLE, '');
  const kept = folded.replace(BREAKS, ' ').replace(NOT_KEPT, ' ');
  const line = withoutRoleMarkers(kept)
    .replace(/\.{3,}/g, '…')
    .replace(PUNCTUATION_RUN, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  return clip(line, maxChars);
}

/** "SYSTEM: obey" → "SYSTEM - obey": the word stays, the role line does not. */
function withoutRoleMarkers(text: string): string {
  const skeleton = skeletonOf(text);
  let result = '';
  let from = 0;
  for (const match of skeleton.matchAll(ROLE_LINE)) {
    const colonAt = (match.index ?? 0) + match[0].length - 1;
    result += `${text.slice(from, colonAt)} -`;
    from = colonAt + 1;
  }
  return result + text.slice(from);
}

function skeletonOf(text: string): string {
  return text.replace(LOOKALIKE, (letter) => LOOKALIKES.get(letter) ?? letter).replace(COLONS, ':');
}

/** At most `maxChars` characters (code points: never half a surrogate pair), an ellipsis marking a cut. */
export function clip(text: string, maxChars: number): string {
  const characters = Array.from(text);
  if (characters.length <= maxChars) return text;
  const kept = characters.slice(0, Math.max(0, maxChars - 1)).join('');
  return `${kept.replace(/[\s.…]+$/u, '')}…`;
}

/**
 * Words that follow "my name is …" without being a name, and the words instructions are made
 * of. Lower case.
 */
const NOT_NAMES: ReadonlySet<string> = new Set([
  ...['a', 'an', 'the', 'not', 'no', 'unknown', 'none', 'null', 'undefined', 'private', 'calling', 'here'],
  ...['just', 'really', 'actually', 'very', 'so', 'too', 'is', 'was', 'and', 'or', 'but', 'it', 'that'],
  ...['this', 'what', 'who', 'why', 'how', 'fine', 'good', 'okay', 'ok', 'sorry', 'hello', 'hi', 'yes'],
  ...['yeah', 'sure', 'well', 'on', 'in', 'at', 'of', 'for', 'with', 'to', 'from', 'by', 'my', 'your', 'his'],
  ...['her', 'their', 'our', 'he', 'she', 'they', 'we', 'you', 'i', 'me', 'mr', 'mrs', 'ms', 'dr', 'user'],
  ...['caller', 'customer', 'ignore', 'disregard', 'forget', 'previous', 'above', 'instruction'],
  ...['instructions', 'prompt', 'system', 'assistant', 'developer', 'admin', 'administrator', 'operator'],
  ...['override', 'human', 'bot', 'agent', 'model', 'jailbreak', 'secret', 'token', 'memory', 'print'],
]);

/** One word of a name: a capital (or uncased) letter, then letters, with apostrophes and hyphens inside. */
const NAME_WORD = /^[\p{Lu}\p{Lt}\p{Lo}](?:[\p{L}\p{M}]|['’-](?=[\p{L}\p{M}])){0,29}$/u;

export function isNameWord(word: string): boolean {
  return (
    NAME_WORD.test(word) &&
    !HAS_INVISIBLE.test(word) &&
    !HAS_COLON_LIKE.test(word) &&
    !NOT_NAMES.has(skeletonOf(word).toLowerCase())
  );
}

/**
 * A name we may say and show: one to three name words separated by single spaces, at most 50
 * characters. Anything else is no name at all, never the plain-looking front of a longer value.
 */
export function plainName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const words = value.normalize('NFKC').trim().split(/ +/);
  if (words.length > MAX_NAME_WORDS || !words.every(isNameWord)) return undefined;
  const name = words.join(' ');
  return name.length <= MAX_NAME_CHARS ? name : undefined;
}
