import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * ElevenLabs post-call webhook signatures (CONTRACTS.md §2):
 * `ElevenLabs-Signature: t=<unix secs>,v0=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 */
export const SIGNATURE_HEADER = 'elevenlabs-signature';
/** ElevenLabs' own tolerance: a signature older than this is refused. */
export const SIGNATURE_MAX_AGE_MS = 30 * 60 * 1000;
/** Stricter than the SDK (which has no bound): clocks drift, but a signature is never minted in the future. */
export const SIGNATURE_MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

const MAX_HEADER_LENGTH = 2048;
const TIMESTAMP = /^\d{1,12}$/;
const V0_HEX = /^[0-9a-f]{64}$/;

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

const fail = (reason: string): SignatureCheck => ({ ok: false, reason });

/** Verifies the header against the body bytes exactly as received. Reasons are safe to log. */
export function verifyElevenLabsSignature(
  rawBody: Buffer,
  header: string | undefined,
  secret: string,
  nowMs = Date.now(),
): SignatureCheck {
  if (secret.length === 0) return fail('webhook secret is not configured');
  if (header === undefined || header.trim() === '') return fail('signature header is missing');
  if (header.length > MAX_HEADER_LENGTH) return fail('signature header is too long');

  const timestamps: string[] = [];
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (part.trim() === '') continue;
      return fail('signature header is malformed');
    }
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') timestamps.push(value);
    else if (key === 'v0') signatures.push(value);
    // Other schemes (a future v1) are ignored, as the SDK ignores them.
  }
  if (timestamps.length === 0) return fail('signature header has no timestamp (t=)');
  if (timestamps.length > 1) return fail('signature header has more than one timestamp');
  const t = timestamps[0];
  if (!TIMESTAMP.test(t)) return fail('signature timestamp is not a number');
  const timestampMs = Number(t) * 1000;
  if (nowMs - timestampMs > SIGNATURE_MAX_AGE_MS) return fail('signature timestamp is too old');
  if (timestampMs - nowMs > SIGNATURE_MAX_FUTURE_SKEW_MS) return fail('signature timestamp is in the future');

  if (signatures.length === 0) return fail('signature header has no v0 signature');
  const candidates = signatures.filter((hex) => V0_HEX.test(hex));
  if (candidates.length === 0) return fail('v0 signature is not 64 lowercase hex characters');

  // The timestamp string is signed exactly as sent (as the SDK does), not re-formatted.
  const expected = hmac(secret, t, rawBody);
  let matched = false;
  for (const hex of candidates) {
    // Every candidate is compared (no early exit), each in constant time.
    if (timingSafeEqual(Buffer.from(hex, 'hex'), expected)) matched = true;
  }
  return matched ? { ok: true, timestamp: Number(t) } : fail('signature does not match');
}

/** The header value ElevenLabs would send for this body: for the local stack and tests. */
export function signElevenLabsPayload(rawBody: Buffer | string, secret: string, timestampSecs: number): string {
  const t = String(Math.floor(timestampSecs));
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  return `t=${t},v0=${hmac(secret, t, body).toString('hex')}`;
}

// Two updates instead of a concatenation: the body can be megabytes, and is never re-encoded.
function hmac(secret: string, t: string, rawBody: Buffer): Buffer {
  return createHmac('sha256', secret).update(`${t}.`, 'utf8').update(rawBody).digest();
}
