/**
 * A readable diff of two settings objects, one line per changed setting, by its wire path:
 *
 *   - platform_settings.overrides.enable_conversation_initiation_client_data_from_webhook: false
 *   + platform_settings.overrides.enable_conversation_initiation_client_data_from_webhook: true
 *
 * Multi-line texts (prompts) are compared line by line, with a little unchanged context.
 */
export function settingsDiff(before: unknown, after: unknown): string[] {
  const lines: string[] = [];
  const old = flatten(before);
  const now = flatten(after);
  const paths = [...new Set([...old.keys(), ...now.keys()])].sort();
  for (const path of paths) {
    const a = old.get(path);
    const b = now.get(path);
    if (a === b) continue;
    const aText = a === undefined ? undefined : JSON.parse(a);
    const bText = b === undefined ? undefined : JSON.parse(b);
    if (typeof aText === 'string' && typeof bText === 'string' && (aText.includes('\n') || bText.includes('\n'))) {
      lines.push(`~ ${path}:`, ...textDiff(aText, bText).map((line) => `    ${line}`));
      continue;
    }
    if (a !== undefined) lines.push(`- ${path}: ${a}`);
    if (b !== undefined) lines.push(`+ ${path}: ${b}`);
  }
  return lines;
}

/** Leaves by path; arrays are leaves (JSON). Absent, null and an empty object are the same. */
function flatten(value: unknown, path = '', into = new Map<string, string>()): Map<string, string> {
  if (value === null || value === undefined) return into;
  if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, path ? `${path}.${key}` : key, into);
    return into;
  }
  into.set(path, JSON.stringify(value));
  return into;
}

const CONTEXT_LINES = 1;

/** A line diff (longest common subsequence), unchanged runs shortened to their edges. */
export function textDiff(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const common: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i][j] = a[i] === b[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
    }
  }
  const marked: Array<{ mark: ' ' | '-' | '+'; line: string }> = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      marked.push({ mark: ' ', line: a[i] });
      i++;
      j++;
    } else if (j < b.length && (i >= a.length || common[i][j + 1] >= common[i + 1][j])) {
      marked.push({ mark: '+', line: b[j++] });
    } else {
      marked.push({ mark: '-', line: a[i++] });
    }
  }
  const near = (k: number) =>
    marked.slice(Math.max(0, k - CONTEXT_LINES), k + CONTEXT_LINES + 1).some((entry) => entry.mark !== ' ');
  const out: string[] = [];
  let skipped = false;
  marked.forEach((entry, k) => {
    if (entry.mark !== ' ' || near(k)) {
      out.push(`${entry.mark} ${entry.line}`);
      skipped = false;
    } else if (!skipped) {
      out.push('  …');
      skipped = true;
    }
  });
  return out;
}
