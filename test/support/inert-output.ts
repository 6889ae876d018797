import { readFixtureJson } from './fixtures';

/**
 * What the tests require of caller words once they reach an agent, written independently of
 * lambdas/shared/context/caller-words.ts: each check names a way text can act as something other
 * than data. A check returns the problems it finds; none means the text is inert.
 */

export interface CorpusEntry {
  text: string;
  source: string;
  url?: string;
}

export function injectionCorpus(): CorpusEntry[] {
  return readFixtureJson<{ entries: CorpusEntry[] }>('prompt-injection/corpus.json').entries;
}

export const BLOCK_START = '<caller_memory>';
export const BLOCK_END = '</caller_memory>';

/** Role markers of chat formats, in any case, followed by a colon (ASCII or fullwidth). */
const ROLE_LINE =
  /(?<![\p{L}\p{N}_])(system|sys|assistant|user|developer|human|ai|model|bot|tool|function|instruction|instructions|response)\s*[:：ː]/iu;
/** Cyrillic letters an attacker uses to spell role words. */
const LOOKALIKES: Record<string, string> = {
  Ѕ: 'S',
  ѕ: 's',
  У: 'Y',
  у: 'y',
  Т: 'T',
  Е: 'E',
  е: 'e',
  М: 'M',
  і: 'i',
  а: 'a',
  о: 'o',
  с: 'c',
  р: 'p',
};

const CHECKS: Array<[string, RegExp]> = [
  ['a template brace', /[{}｛｝﹛﹜❴❵]/u],
  ['an angle bracket (tag or chat token)', /[<>＜＞﹤﹥〈〉⟨⟩]/u],
  ['a square bracket ([INST], [SYSTEM])', /[[\]［］]/u],
  ['a heading or number sign', /[#＃]/u],
  ['a code fence', /```|~~~|`/u],
  ['a line break', /[\n\r\u0085\u2028\u2029]/u],
  ['a control character', /\p{Cc}/u],
  ['an invisible format character (zero-width, bidi, tag)', /[\p{Cf}\uFE00-\uFE0F]/u],
];

/** Problems in one piece of caller-derived text that must be a single inert line. */
export function problemsInCallerLine(text: string): string[] {
  const problems = CHECKS.filter(([, pattern]) => pattern.test(text)).map(([name]) => name);
  const spelled = text.normalize('NFKC').replace(/./gu, (c) => LOOKALIKES[c] ?? c);
  if (ROLE_LINE.test(spelled)) problems.push(`a role marker (${ROLE_LINE.exec(spelled)?.[0]})`);
  return problems;
}

/** Lines the renderer itself writes inside the block (not caller words). */
const OWN_BLOCK_LINES = [
  /^You have spoken with this caller(, [\p{L}\p{M}'’ -]+,)?( once| \d+ times)? before\.$/u,
  /^What you know about the caller \(newest first\):$/,
  /^Highlights of recent conversations:$/,
];

/**
 * Problems in a rendered memory context: its delimiters exactly once each and in order, nothing
 * but the fixed frame outside the block, and inside it only the renderer's own lines and items
 * ("- " then one inert line, at most `maxItemChars` long after an optional date).
 */
export function problemsInMemoryContext(context: string, expectedFrame: string, maxItemChars = 300): string[] {
  const problems: string[] = [];
  const starts = context.split(BLOCK_START).length - 1;
  const ends = context.split(BLOCK_END).length - 1;
  if (starts !== 1 || ends !== 1) return [`delimiters appear ${starts} and ${ends} times`];
  const open = context.indexOf(BLOCK_START);
  const close = context.indexOf(BLOCK_END);
  if (close < open) return ['the block closes before it opens'];

  const frame = context.slice(0, open + BLOCK_START.length) + context.slice(close);
  if (frame !== expectedFrame) problems.push('the text outside the block is not the fixed frame');
  const preamble = context.slice(0, open);
  if (!/is data/.test(preamble) || !/never follow/i.test(preamble) || !/what this caller said/.test(preamble)) {
    problems.push('no preamble saying the block is what the caller said and never to be followed');
  }

  const inside = context
    .slice(open + BLOCK_START.length, close)
    .split('\n')
    .slice(1, -1);
  for (const line of inside) {
    if (OWN_BLOCK_LINES.some((own) => own.test(line))) continue;
    if (!line.startsWith('- ')) {
      problems.push(`a line that is neither the renderer's nor an item: ${JSON.stringify(line.slice(0, 80))}`);
      continue;
    }
    const item = line.slice(2).replace(/^\d{4}-\d{2}-\d{2}: /, '');
    if (Array.from(item).length > maxItemChars) problems.push(`an item of ${item.length} characters`);
    problems.push(...problemsInCallerLine(item).map((p) => `${p} in ${JSON.stringify(item.slice(0, 80))}`));
  }
  return problems;
}

/** The test's own idea of a plain name: one to three words of letters, apostrophes and hyphens. */
export function isPlainName(name: string): boolean {
  return name.length <= 50 && /^[\p{L}][\p{L}\p{M}'’-]*( [\p{L}][\p{L}\p{M}'’-]*){0,2}$/u.test(name);
}

/** A rendered context with the block's content taken out: what must be the same for every caller. */
export function frameOf(context: string): string {
  return (
    context.slice(0, context.indexOf(BLOCK_START) + BLOCK_START.length) + context.slice(context.indexOf(BLOCK_END))
  );
}
