import { redactErrorText } from '../logging';
import { MemoryStoreError } from './memory-store';

/**
 * AgentCore errors in terms a handler acts on, as the Mem0 adapter does (see mem0-store.ts).
 * From the SDK's service model: ThrottledException (429), ServiceException (500),
 * RetryableConflictException (409, `smithy.api#retryable`) and ServiceQuotaExceededException
 * (402: a rate or size quota, which a later attempt may fit) are worth retrying;
 * ValidationException and InvalidInputException (400), AccessDeniedException (403) and
 * ResourceNotFoundException (404: a wrong memory id) are not. No answer at all (refused, reset,
 * aborted at the deadline) counts as retryable: a needless retry is bounded by the queue, a lost
 * write is not.
 */
const RETRYABLE_NAMES = new Set([
  'ThrottledException',
  'ThrottlingException',
  'ServiceException',
  'InternalServerException',
  'RetryableConflictException',
  'ServiceQuotaExceededException',
  'TimeoutError',
  'AbortError',
]);

const MAX_DETAIL_CHARS = 200;

export function toAgentCoreStoreError(error: unknown, operation: string, deadlineMs?: number): MemoryStoreError {
  if (error instanceof MemoryStoreError) return error;
  if (isAbort(error)) {
    return new MemoryStoreError(`AgentCore ${operation} did not answer within ${deadlineMs ?? '?'} ms`, true, {
      cause: error,
    });
  }
  const status = httpStatusOf(error);
  const name = nameOf(error);
  const retryable =
    (name !== undefined && RETRYABLE_NAMES.has(name)) ||
    status === undefined ||
    status >= 500 ||
    status === 408 ||
    status === 429;
  return new MemoryStoreError(`AgentCore ${operation} failed: ${describe(error, status)}`, retryable, {
    cause: error,
  });
}

/** The HTTP status an SDK error carries, when the service answered. */
export function httpStatusOf(error: unknown): number | undefined {
  const metadata = isRecord(error) && isRecord(error.$metadata) ? error.$metadata : undefined;
  const status = metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

export function isNotFound(error: unknown): boolean {
  const cause = error instanceof MemoryStoreError ? error.cause : error;
  return nameOf(cause) === 'ResourceNotFoundException' || httpStatusOf(cause) === 404;
}

function isAbort(error: unknown): boolean {
  return nameOf(error) === 'AbortError';
}

function nameOf(error: unknown): string | undefined {
  return isRecord(error) && typeof error.name === 'string' ? error.name : undefined;
}

/** `ThrottledException | HTTP 429 | Rate exceeded`; error text reaches logs, phone numbers redacted. */
function describe(error: unknown, status: number | undefined): string {
  if (!isRecord(error) || typeof error.message !== 'string') {
    return redactErrorText(String(error).slice(0, MAX_DETAIL_CHARS));
  }
  const firstLine = error.message.split('\n', 1)[0].slice(0, MAX_DETAIL_CHARS);
  const parts = [nameOf(error), status && `HTTP ${status}`, systemCode(error), firstLine];
  return redactErrorText(parts.filter(Boolean).join(' | '));
}

/** A socket error (ECONNREFUSED, ECONNRESET, …) somewhere in the cause chain. */
function systemCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; isRecord(current) && depth < 5; current = current.cause, depth++) {
    if (typeof current.code === 'string') return current.code;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
