import { isErrorLike, redactedMessage } from '../shared/logging';

/** Cause chains deeper than this are cut: the root is rarely further down. */
const MAX_CAUSES = 5;

/**
 * Why something failed, on one line for a person reading `status`: the error's message and its
 * causes' (`memory store write failed ← fetch failed ← connect ECONNREFUSED 127.0.0.1:9`),
 * redacted as log lines are (no secret values, no full phone numbers), a message a cause repeats
 * said once.
 */
export function failureCause(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < MAX_CAUSES; depth += 1) {
    const message = redactedMessage(current);
    if (message !== '' && message !== messages[messages.length - 1]) messages.push(message);
    current = isErrorLike(current) ? (current as Error & { cause?: unknown }).cause : undefined;
  }
  return messages.join(' ← ') || 'failed without a message';
}
