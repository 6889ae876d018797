import fc from 'fast-check';
import { mintMemoryToken, verifyMemoryToken, type CallerId } from '../../../../lambdas/shared/caller';

const KEY = 'mtk_unit_test_key_0123456789abcdef';
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const claims = {
  identity: 'clinic-a/+16125550142' as CallerId,
  agentId: 'agent_1',
  expiresAt: NOW / 1000 + 7200,
};

describe('memory token', () => {
  it('round-trips identity, agent and expiry, with no I/O', () => {
    const token = mintMemoryToken(KEY, claims);
    expect(verifyMemoryToken(KEY, token, NOW)).toEqual({ ok: true, claims });
  });

  it('carries a token for nobody, whose identity stays null', () => {
    const token = mintMemoryToken(KEY, { ...claims, identity: null });
    expect(verifyMemoryToken(KEY, token, NOW)).toEqual({ ok: true, claims: { ...claims, identity: null } });
  });

  it('is refused once expired', () => {
    const token = mintMemoryToken(KEY, claims);
    expect(verifyMemoryToken(KEY, token, claims.expiresAt * 1000)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyMemoryToken(KEY, token, claims.expiresAt * 1000 - 1).ok).toBe(true);
  });

  it('is refused when signed with another key (another deployment)', () => {
    const foreign = mintMemoryToken('mtk_another_deployment_key', claims);
    expect(verifyMemoryToken(KEY, foreign, NOW)).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('is refused when its claims are swapped for another caller, keeping the signature', () => {
    const token = mintMemoryToken(KEY, claims);
    const other = mintMemoryToken(KEY, { ...claims, identity: 'clinic-a/+14155550123' as CallerId });
    const [version, , signature] = token.split('.');
    const [, otherClaims] = other.split('.');
    expect(verifyMemoryToken(KEY, `${version}.${otherClaims}.${signature}`, NOW)).toEqual({
      ok: false,
      reason: 'bad signature',
    });
  });

  it('is refused after any single-character change', () => {
    const token = mintMemoryToken(KEY, claims);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...alphabet), (at, replacement) => {
        fc.pre(token[at] !== replacement);
        const tampered = token.slice(0, at) + replacement + token.slice(at + 1);
        expect(verifyMemoryToken(KEY, tampered, NOW).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['empty', ''],
    ['two parts', 'am1.abc'],
    ['another version', mintMemoryToken(KEY, claims).replace(/^am1/, 'am2')],
    ['not base64url', 'am1.a+b.c/d'],
    ['too long', `am1.${'a'.repeat(3000)}.b`],
  ])('is refused when malformed (%s)', (_, token) => {
    expect(verifyMemoryToken(KEY, token, NOW)).toMatchObject({ ok: false });
  });

  it('refuses to mint with an empty key, and never verifies under one', () => {
    expect(() => mintMemoryToken('', claims)).toThrow(/empty/);
    expect(verifyMemoryToken('', mintMemoryToken(KEY, claims), NOW).ok).toBe(false);
  });
});
