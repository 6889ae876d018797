import fc from 'fast-check';
import {
  parseMemoryIdentity,
  parseScopeMap,
  redactIdentity,
  resolveMemoryIdentity,
  type MemoryScope,
} from '../../../../lambdas/shared/caller';

const DEPLOYMENT: MemoryScope = { mode: 'deployment' };
const PER_AGENT: MemoryScope = { mode: 'agent' };
const mapped = (json: string): MemoryScope => {
  const map = parseScopeMap(json);
  if (!map.ok) throw new Error(map.problem);
  return { mode: 'agent', agentScopes: map.agentScopes };
};

describe('memory identity', () => {
  it('is the normalised caller id in deployment scope, whatever the agent', () => {
    const a = resolveMemoryIdentity('+1 (612) 555-0142', 'agent_a', DEPLOYMENT);
    const b = resolveMemoryIdentity('+16125550142', 'agent_b', DEPLOYMENT);
    expect(a).toMatchObject({ ok: true, identity: '+16125550142' });
    expect(b).toMatchObject({ ok: true, identity: '+16125550142' });
  });

  it('keeps one number apart per agent in agent scope', () => {
    const a = resolveMemoryIdentity('+16125550142', 'agent_a', PER_AGENT);
    const b = resolveMemoryIdentity('+16125550142', 'agent_b', PER_AGENT);
    expect(a).toMatchObject({ ok: true, identity: 'agent_a/+16125550142', scope: 'agent_a' });
    expect(b).toMatchObject({ ok: true, identity: 'agent_b/+16125550142', scope: 'agent_b' });
  });

  it('groups the agents of a scope map, and gives an agent outside it no identity', () => {
    const scope = mapped('{"clinic-a": ["agent_1", "agent_2"], "clinic-b": ["agent_3"]}');
    const one = resolveMemoryIdentity('+16125550142', 'agent_1', scope);
    const two = resolveMemoryIdentity('+16125550142', 'agent_2', scope);
    const three = resolveMemoryIdentity('+16125550142', 'agent_3', scope);
    expect(one.ok && one.identity).toBe('clinic-a/+16125550142');
    expect(two.ok && two.identity).toBe('clinic-a/+16125550142');
    expect(three.ok && three.identity).toBe('clinic-b/+16125550142');
    expect(resolveMemoryIdentity('+16125550142', 'agent_4', scope)).toMatchObject({
      ok: false,
      reason: 'unknown-agent',
      callerId: '+16125550142',
    });
  });

  it('has none for a call without an agent in agent scope', () => {
    expect(resolveMemoryIdentity('+16125550142', undefined, PER_AGENT)).toMatchObject({
      ok: false,
      reason: 'no-agent',
    });
    expect(resolveMemoryIdentity('+16125550142', 'agent/../x', PER_AGENT)).toMatchObject({
      ok: false,
      reason: 'unknown-agent',
    });
  });

  it.each([
    ['anonymous', 'withheld'],
    ['+266696687', 'withheld'],
    ['', 'no-caller'],
    [null, 'no-caller'],
    ['not a number!', 'invalid-caller'],
  ])('has none for the caller id %p (%s)', (raw, reason) => {
    expect(resolveMemoryIdentity(raw, 'agent_a', DEPLOYMENT)).toMatchObject({ ok: false, reason });
    expect(resolveMemoryIdentity(raw, 'agent_a', PER_AGENT)).toMatchObject({ ok: false, reason });
  });

  it('reads identities back, scoped or not, and refuses what it never writes', () => {
    expect(parseMemoryIdentity('+16125550142')).toEqual({ identity: '+16125550142', callerId: '+16125550142' });
    expect(parseMemoryIdentity('clinic-a/+16125550142')).toEqual({
      identity: 'clinic-a/+16125550142',
      callerId: '+16125550142',
      scope: 'clinic-a',
    });
    expect(parseMemoryIdentity('clinic-a/anonymous')).toBeUndefined();
    expect(parseMemoryIdentity('a/b/c')).toBeUndefined();
    expect(parseMemoryIdentity('../+16125550142')).toBeUndefined();
  });

  it('never maps two (scope, caller) pairs to one identity', () => {
    const scopeName = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
    const caller = fc.oneof(
      fc.stringMatching(/^\+[1-9]\d{7,12}$/),
      fc.stringMatching(/^[A-Za-z0-9\-_.:@+]{1,20}$/).filter((s) => /[A-Za-z]/.test(s)),
    );
    fc.assert(
      fc.property(scopeName, caller, scopeName, caller, (s1, c1, s2, c2) => {
        const a = resolveMemoryIdentity(c1, s1, PER_AGENT);
        const b = resolveMemoryIdentity(c2, s2, PER_AGENT);
        if (!a.ok || !b.ok) return;
        if (a.identity === b.identity) expect([a.scope, a.callerId]).toEqual([b.scope, b.callerId]);
        expect(parseMemoryIdentity(a.identity)).toEqual({ identity: a.identity, callerId: a.callerId, scope: a.scope });
      }),
    );
  });

  it('redacts the caller but keeps the scope readable in logs', () => {
    expect(redactIdentity('clinic-a/+16125550142')).toBe('clinic-a/+1…0142');
    expect(redactIdentity('+16125550142')).toBe('+1…0142');
  });

  it.each([
    ['not json', 'not JSON'],
    ['[]', 'JSON object'],
    ['{}', 'names no scope'],
    ['{"a b": ["agent_1"]}', 'scope name'],
    ['{"a": []}', 'at least one agent'],
    ['{"a": ["agent 1"]}', 'not an agent id'],
    ['{"a": ["agent_1"], "b": ["agent_1"]}', 'two scopes'],
  ])('refuses the scope map %p, saying why', (json, problem) => {
    const result = parseScopeMap(json);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toContain(problem);
  });
});
