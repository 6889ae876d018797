import { REDACTED, redactErrorText, redactSecrets } from './redact-text';

/**
 * An error as it may be logged: the whole of it — message, stack, `cause` chain, the `errors` of
 * an AggregateError, and every enumerable property (an HTTP client's `config.headers`, a response,
 * a URL) — as plain data, with secret values, credentials and phone numbers taken out. Logging an
 * error object as it is would print its cause chain and properties verbatim, and an upstream
 * error often carries the request that failed, API key included.
 */
export function loggableError(error: unknown): unknown {
  return serialise(error, 0, new WeakSet());
}

/** The error's message alone, redacted: for an expected failure, where a stack is noise. */
export function redactedMessage(error: unknown): string {
  const message = isErrorLike(error) ? error.message : String(error);
  return truncate(redactErrorText(message));
}

/**
 * The Logger's JSON replacer (Powertools calls it for every value of every entry): any error that
 * reaches a log entry is serialised as above, and every string loses remembered secret values and
 * credential shapes. The net under the call sites, for an error logged some other way.
 */
export function redactingJsonReplacer(_key: string, value: unknown): unknown {
  if (isErrorLike(value)) return loggableError(value);
  return typeof value === 'string' ? redactSecrets(value) : value;
}

/** Errors from another realm (fetch's, in jest's vm) fail `instanceof Error`: duck-typed too. */
export function isErrorLike(value: unknown): value is Error {
  if (value instanceof Error) return true;
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.message === 'string' && typeof candidate.stack === 'string';
}

/** Names of fields whose value is a credential, whatever it looks like. */
const SECRET_FIELD =
  /authorization|cookie|api[-_]?key|apikey|secret|passw(or)?d|token|signature|credential|private[-_]?key/i;
const MAX_DEPTH = 10;
const MAX_ITEMS = 20;
const MAX_FIELDS = 40;
const MAX_TEXT_CHARS = 4000;

function serialise(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  // Redacted before it is cut: a cut through a secret would leave a piece no pattern recognises.
  if (typeof value === 'string') return truncate(redactErrorText(value));
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  seen.add(value);
  const next = (inner: unknown) => serialise(inner, depth + 1, seen);

  if (isErrorLike(value)) return serialiseError(value, next);
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map(next);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof URL) return redactErrorText(value.href);
  if (value instanceof Map || value instanceof Headers) {
    return fields(
      [...value.entries()].map(([key, inner]) => [String(key), inner]),
      next,
    );
  }
  if (value instanceof Set) return [...value].slice(0, MAX_ITEMS).map(next);
  // A response or socket hanging off an error: its insides are connection state, not diagnosis.
  if (
    typeof (value as { pipe?: unknown }).pipe === 'function' ||
    typeof (value as { on?: unknown }).on === 'function'
  ) {
    return `[${value.constructor?.name ?? 'stream'}]`;
  }
  return fields(ownEntries(value), next);
}

function serialiseError(error: Error, next: (inner: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: typeof error.name === 'string' ? next(error.name) : 'Error',
    message: next(error.message),
  };
  if (typeof error.stack === 'string') out.stack = next(error.stack);
  const { cause, errors } = error as Error & { cause?: unknown; errors?: unknown };
  if (cause !== undefined) out.cause = next(cause);
  if (Array.isArray(errors)) out.errors = next(errors);
  const rest = ownEntries(error).filter(([key]) => !['name', 'message', 'stack', 'cause', 'errors'].includes(key));
  return { ...out, ...fields(rest, next) };
}

function fields(entries: Array<[string, unknown]>, next: (inner: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, inner] of entries.slice(0, MAX_FIELDS)) {
    out[key] = SECRET_FIELD.test(key) && inner !== undefined && inner !== null ? REDACTED : next(inner);
  }
  if (entries.length > MAX_FIELDS) out['…'] = `${entries.length - MAX_FIELDS} more fields`;
  return out;
}

/** Enumerable own properties; a getter that throws is reported, not rethrown. */
function ownEntries(value: object): Array<[string, unknown]> {
  return Object.keys(value).map((key) => {
    try {
      return [key, (value as Record<string, unknown>)[key]];
    } catch {
      return [key, '[unreadable]'];
    }
  });
}

function truncate(text: string): string {
  return text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS)}…` : text;
}
