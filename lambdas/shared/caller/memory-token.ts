import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CallerId } from './caller-id';
import { parseMemoryIdentity } from './memory-identity';

/**
 * The per-call memory token: minted by the pre-call, sent by ElevenLabs in the search tool's
 * `X-Memory-Token` header (from the `secret__memory_token` dynamic variable, which the LLM never
 * sees), and the only key to that one caller's memories during the call. It binds the memory
 * identity (scope included), the agent and an expiry, signed with HMAC-SHA256 under a key only
 * the deployment holds. Checking it needs no I/O.
 *
 *   am1.<base64url(JSON claims)>.<base64url(HMAC-SHA256(key, "am1.<claims>"))>
 *
 * A token for "nobody" (withheld number, unknown agent) has a null identity: its searches find
 * nothing, so the agent's tool still answers.
 */
export const MEMORY_TOKEN_VERSION = 'am1';
export const DEFAULT_MEMORY_TOKEN_TTL_SECONDS = 2 * 60 * 60;
const MAX_TOKEN_LENGTH = 2048;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface MemoryTokenClaims {
  /** The memory identity the bearer may search; null for a caller who has none. */
  identity: CallerId | null;
  /** The agent of the call the token was minted for. */
  agentId: string | null;
  /** Unix seconds. */
  expiresAt: number;
}

export type MemoryTokenCheck =
  { ok: true; claims: MemoryTokenClaims } | { ok: false; reason: 'malformed' | 'bad signature' | 'expired' };

export function mintMemoryToken(key: string, claims: MemoryTokenClaims): string {
  if (key.length === 0) throw new Error('memory token key is empty');
  const body = Buffer.from(
    JSON.stringify({ sub: claims.identity, agt: claims.agentId, exp: Math.floor(claims.expiresAt) }),
    'utf8',
  ).toString('base64url');
  const signed = `${MEMORY_TOKEN_VERSION}.${body}`;
  return `${signed}.${signature(key, signed).toString('base64url')}`;
}

/** Verifies signature first (constant time), then expiry; the claims are parsed only once signed. */
export function verifyMemoryToken(key: string, token: string, nowMs = Date.now()): MemoryTokenCheck {
  if (key.length === 0 || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== MEMORY_TOKEN_VERSION) return { ok: false, reason: 'malformed' };
  const [, body, presented] = parts;
  if (!BASE64URL.test(body) || !BASE64URL.test(presented)) return { ok: false, reason: 'malformed' };

  const expected = signature(key, `${MEMORY_TOKEN_VERSION}.${body}`);
  const decoded = Buffer.from(presented, 'base64url');
  // Only the canonical spelling: base64url's spare low bits must not give one signature many forms.
  const given = decoded.toString('base64url') === presented ? decoded : Buffer.alloc(0);
  // Equal lengths for timingSafeEqual; a wrong length still costs one full comparison.
  const comparable = given.length === expected.length ? given : Buffer.alloc(expected.length);
  const matches = timingSafeEqual(comparable, expected) && given.length === expected.length;
  if (!matches) return { ok: false, reason: 'bad signature' };

  const claims = readClaims(body);
  if (!claims) return { ok: false, reason: 'malformed' };
  if (claims.expiresAt * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

function readClaims(body: string): MemoryTokenClaims | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (raw === null || typeof raw !== 'object') return undefined;
  const { sub, agt, exp } = raw as Record<string, unknown>;
  if (typeof exp !== 'number' || !Number.isSafeInteger(exp)) return undefined;
  if (agt !== null && typeof agt !== 'string') return undefined;
  if (sub === null) return { identity: null, agentId: agt, expiresAt: exp };
  const identity = typeof sub === 'string' ? parseMemoryIdentity(sub) : undefined;
  if (!identity || identity.identity !== sub) return undefined;
  return { identity: identity.identity, agentId: agt, expiresAt: exp };
}

function signature(key: string, signed: string): Buffer {
  return createHmac('sha256', key).update(signed, 'utf8').digest();
}
