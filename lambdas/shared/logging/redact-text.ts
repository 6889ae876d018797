/**
 * Secret values and credentials out of text that is about to be logged. Two nets: the values this
 * process actually holds (every secret read through `Secrets` is remembered here), and the shapes
 * credentials take in text (`Authorization: Token …`, `?api_key=…`, Mem0 and ElevenLabs key
 * prefixes), for a credential that never passed through `Secrets` (a client's wrong key quoted
 * back, a rotated key).
 */

export const REDACTED = '[redacted]';

/** Shorter values are not secrets worth the name, and would blank out ordinary words. */
const MIN_SECRET_CHARS = 8;
/** A rotated secret adds a value; keep the newest few. */
const MAX_REMEMBERED = 32;

const remembered = new Set<string>();

/** Registers a secret value held by this process: from now on it never reaches a log line. */
export function rememberSecretValue(value: string): void {
  for (const form of [value, encodeURIComponent(value)]) {
    if (form.length < MIN_SECRET_CHARS || remembered.has(form)) continue;
    if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.values().next().value as string);
    remembered.add(form);
  }
}

const CREDENTIAL_SHAPES: Array<[RegExp, string]> = [
  // An HTTP authorization value: `Token m0-…`, `Bearer …`, `Basic …` (random: 12+ characters, a digit among them).
  [/\b(Token|Bearer|Basic)(\s+)(?=[A-Za-z._~+/=-]*\d)[A-Za-z0-9._~+/=-]{12,}/g, `$1$2${REDACTED}`],
  // A credential header or field written out: `xi-api-key: …`, `"apiKey":"…"`, `password=…`.
  [
    /\b(authorization|x-api-key|xi-api-key|x-workspace-key|x-memory-token|api[_-]?key|access[_-]?token|client[_-]?secret|password)("?\s*[:=]\s*"?)(?!\[redacted\])(?:(?:Token|Bearer|Basic)\s+)?[^\s"',;&}]+/gi,
    `$1$2${REDACTED}`,
  ],
  // A credential in a URL's query string.
  [
    /([?&](?:api[_-]?key|apikey|key|token|access_token|auth|signature|sig|secret|password|xi-api-key)=)[^&#\s"']+/gi,
    `$1${REDACTED}`,
  ],
  // Key shapes: Mem0 (`m0-`), ElevenLabs API keys (`sk_`) and webhook secrets (`wsec_`), our local keys.
  [/\b(?:m0-[A-Za-z0-9_-]{8,}|sk_[A-Za-z0-9]{16,}|wsec_[A-Za-z0-9]{16,}|(?:wk|rk|mtk)_[A-Za-z0-9_-]{16,})/g, REDACTED],
  // A per-call memory token (`am1.<claims>.<signature>`).
  [/\bam1\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g, REDACTED],
];

/** The text without any remembered secret value and without anything shaped like a credential. */
export function redactSecrets(text: string): string {
  if (text.length < MIN_SECRET_CHARS) return text;
  let result = text;
  for (const secret of remembered) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  for (const [shape, replacement] of CREDENTIAL_SHAPES) result = result.replace(shape, replacement);
  return result;
}

/** Runs of 7+ digits (phone numbers, possibly written with separators: `+1 (612) 555-0142`). */
const DIGIT_RUN = /\+?\d(?:[\s\-().]{0,2}\d){6,}/g;

/**
 * Error text (messages, stacks) can quote a request back, phone numbers included: logs keep the
 * last four digits only.
 */
export function redactErrorText(text: string): string {
  return redactSecrets(text).replace(DIGIT_RUN, (run) => `…${run.replace(/\D/g, '').slice(-4)}`);
}
