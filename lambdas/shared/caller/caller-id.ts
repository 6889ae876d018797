import { pipe, text, type Schema } from '../http/validation';
import { WITHHELD_PROBLEM, isWithheldCallerId } from './withheld';

/**
 * A caller's identity: an E.164 phone number when the id looks like one, otherwise an opaque id
 * (a web caller's user_id, a CRM id). The same person must map to the same string on every call.
 */
export type CallerId = string & { readonly __brand: 'CallerId' };

const PHONE_LIKE = /^\+?[\d\s\-.()]+$/;
const PHONE_SEPARATORS = /[\s\-.()]/g;
const E164 = /^\+[1-9]\d{6,14}$/;
const OPAQUE_ID = /^[A-Za-z0-9\-_.:@+]{1,128}$/;

export type CallerIdResult =
  | { ok: true; callerId: CallerId }
  | { ok: false; problem: string; /** A withheld number: no identity, but not a malformed request. */ withheld?: true };

export function parseCallerId(raw: string): CallerIdResult {
  const trimmed = raw.trim();
  if (trimmed.length === 0) return { ok: false, problem: 'is empty' };
  if (isWithheldCallerId(trimmed)) return { ok: false, problem: WITHHELD_PROBLEM, withheld: true };
  if (trimmed.length <= 40 && PHONE_LIKE.test(trimmed) && /\d/.test(trimmed)) {
    let digits = trimmed.replace(PHONE_SEPARATORS, '');
    if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
    if (digits.startsWith('+')) {
      return E164.test(digits)
        ? { ok: true, callerId: digits as CallerId }
        : { ok: false, problem: 'is not a valid international phone number (+ country code, 7 to 15 digits)' };
    }
    // A number without a country code cannot be made E.164 safely; its digits are still a stable id.
    if (OPAQUE_ID.test(digits)) return { ok: true, callerId: digits as CallerId };
  }
  if (OPAQUE_ID.test(trimmed)) return { ok: true, callerId: trimmed as CallerId };
  return {
    ok: false,
    problem: 'must be a phone number or an id of at most 128 letters, digits and - _ . : @ +',
  };
}

/** A schema for a caller id field: validates and normalises in one step. */
export const callerIdSchema: Schema<CallerId> = pipe(text(), (value, field) => {
  const result = parseCallerId(value);
  return result.ok ? result.callerId : field.problem(result.problem);
});

/** Phone numbers are personal data: logs get the country prefix and last four digits only. */
export function redactCallerId(callerId: string): string {
  if (E164.test(callerId)) return `${callerId.slice(0, 2)}…${callerId.slice(-4)}`;
  if (/^\d+$/.test(callerId)) return `…${callerId.slice(-4)}`;
  return callerId.length <= 4 ? '…' : `${callerId.slice(0, 3)}…`;
}

/**
 * The caller of a finished conversation, by the order CONTRACTS.md gives: the phone number the
 * call came from, then the caller id ElevenLabs put in the dynamic variables, then the user id
 * of a web conversation. The first one that is a valid id wins; a withheld number ends the
 * search: the call came from nobody we may remember, whatever a later fallback says.
 */
export function callerFromCandidates(candidates: Array<string | undefined>): CallerId | undefined {
  for (const candidate of candidates) {
    if (candidate === undefined || candidate.trim() === '') continue;
    const result = parseCallerId(candidate);
    if (result.ok) return result.callerId;
    if (result.withheld) return undefined;
  }
  return undefined;
}
