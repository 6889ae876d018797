/**
 * Caller ids that say the number was withheld. They are nobody's identity: two strangers who both
 * withheld their number must never meet in one memory. Kept in one place, used wherever a caller
 * id is read (pre-call, post-call ingest, search, admin CLI).
 *
 * Sources (read December 2026):
 * - Twilio, "How Caller ID works for inbound calls": a withheld caller arrives in `From` as
 *   `anonymous` or as the keypad spelling of a word — +266696687 ANONYMOUS, +7378742833
 *   RESTRICTED, +86282452253 UNAVAILABLE, +2562533 BLOCKED.
 * - RFC 3261 §8.1.1.3 / RFC 3323 §4.1.1.3 (SIP privacy): an anonymous From is
 *   `"Anonymous" <sip:anonymous@anonymous.invalid>`; trunks (Asterisk, FreeSWITCH, carriers) also
 *   send `restricted`, `unavailable`, `unknown`, `private`, `withheld` as the user part or display.
 * - UK and EU carriers display `withheld` / `number withheld`; North American CNAM shows
 *   `private`, `blocked`, `unavailable`, `out of area`.
 * - CONTRACTS.md §4: ElevenLabs passes these through as `system__caller_id` / `caller_id`.
 */
const WITHHELD_WORDS = new Set([
  'anonymous',
  'restricted',
  'unavailable',
  'unknown',
  'private',
  'blocked',
  'withheld',
  'numberwithheld',
  'nocallerid',
  'notavailable',
  'outofarea',
  'null',
  'undefined',
  'none',
]);

/** Twilio's keypad spellings (digits only, without '+'): ANONYMOUS, RESTRICTED, UNAVAILABLE, BLOCKED. */
const TWILIO_KEYPAD_SPELLINGS = new Set(['266696687', '7378742833', '86282452253', '2562533']);

/** The domain RFC 3261/3323 reserve for anonymous SIP identities. */
const ANONYMOUS_SIP_DOMAIN = 'anonymous.invalid';

/**
 * Whether a raw caller id (as ElevenLabs, Twilio or a SIP trunk sent it) is a withheld number.
 * Empty and blank ids count as withheld: they identify nobody either.
 */
export function isWithheldCallerId(raw: string | null | undefined): boolean {
  if (raw === null || raw === undefined) return true;
  const value = raw.trim().toLowerCase();
  if (value === '') return true;

  const sip = /^(?:sips?:|tel:)?([^@;>]*)(?:@([^;>]*))?/.exec(value.replace(/^.*</, ''));
  const user = sip?.[1] ?? value;
  const domain = sip?.[2];
  if (domain === ANONYMOUS_SIP_DOMAIN) return true;

  const word = user.replace(/[\s_\-.]/g, '');
  if (WITHHELD_WORDS.has(word) || WITHHELD_WORDS.has(value.replace(/[\s_\-."]/g, ''))) return true;

  const digits = user.replace(/[\s\-.()]/g, '');
  if (/^\+?\d+$/.test(digits)) {
    const bare = digits.replace(/^\+/, '').replace(/^00/, '');
    if (TWILIO_KEYPAD_SPELLINGS.has(bare)) return true;
    // Only zeros (0, 0000000000, +0000…): a placeholder some trunks send instead of a number.
    if (/^0+$/.test(bare)) return true;
  }
  return false;
}

/** The reason wording used in logs and 4xx messages. */
export const WITHHELD_PROBLEM = 'is a withheld number (anonymous, restricted, …): it identifies nobody';
