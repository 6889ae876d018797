import fc from 'fast-check';
import {
  AGENTCORE_NAMESPACE_TEMPLATES,
  AGENTCORE_STRATEGIES,
  actorIdOf,
  actorNamespace,
  conversationIdOfSession,
  hashedActorIdOf,
  identityOfActorId,
  isHashedActorId,
  parseNamespace,
  sessionIdOf,
  typeNamespace,
} from '../../../../lambdas/shared/memory/agentcore-ids';
import { parseMemoryIdentity } from '../../../../lambdas/shared/caller';

/** The service model's patterns (codegen/sdk-codegen/aws-models/bedrock-agentcore.json). */
const ACTOR_ID = /^[a-zA-Z0-9][a-zA-Z0-9-_/]*(?::[a-zA-Z0-9-_/]+)*[a-zA-Z0-9-_/]*$/;
const SESSION_ID = /^[a-zA-Z0-9][a-zA-Z0-9-_]*$/;
const NAMESPACE = /^[a-zA-Z0-9/*][a-zA-Z0-9-_/*]*(?::[a-zA-Z0-9-_/*]+)*[a-zA-Z0-9-_/*]*$/;

/** Memory identities as the project makes them: an optional scope, '/', a caller id (see memory-identity.ts). */
const scopeName = fc.stringMatching(/^[A-Za-z0-9_-]{1,128}$/);
const callerId = fc.oneof(
  fc.stringMatching(/^\+[1-9]\d{6,14}$/),
  fc.stringMatching(/^[A-Za-z0-9\-_.:@+]{1,128}$/).filter((id) => parseMemoryIdentity(id)?.identity === id),
);
const memoryIdentity = fc
  .tuple(fc.option(scopeName, { nil: undefined }), callerId)
  .map(([scope, caller]) => (scope === undefined ? caller : `${scope}/${caller}`));

describe('actorIdOf', () => {
  it('escapes the characters an actor id refuses into one namespace segment, readably', () => {
    expect(actorIdOf('+15551234567')).toBe('am-_p15551234567');
    expect(actorIdOf('clinic-a/+15551234567')).toBe('am-clinic-a_s_p15551234567');
    expect(actorIdOf('web-user@example.com')).toBe('am-web-user_aexample_dcom');
    expect(actorIdOf('agent_01jx/crm:42')).toBe('am-agent__01jx_scrm_c42');
  });

  it('gives every memory identity a valid actor id that reads back to it', () => {
    fc.assert(
      fc.property(memoryIdentity, (identity) => {
        const actorId = actorIdOf(identity);
        expect(actorId.length).toBeLessThanOrEqual(255);
        expect(actorId).toMatch(ACTOR_ID);
        expect(actorNamespace(actorId)).toMatch(NAMESPACE);
        expect(actorNamespace(actorId).length).toBeLessThanOrEqual(1024);
        if (!isHashedActorId(actorId)) expect(identityOfActorId(actorId)).toBe(identity);
        else expect(actorId).toBe(hashedActorIdOf(identity));
      }),
      { numRuns: 500 },
    );
  });

  it("never gives two identities the same actor id, nor one whose namespace is a prefix of the other's", () => {
    fc.assert(
      fc.property(memoryIdentity, memoryIdentity, (a, b) => {
        fc.pre(a !== b);
        expect(actorIdOf(a)).not.toBe(actorIdOf(b));
        expect(actorNamespace(actorIdOf(b)).startsWith(actorNamespace(actorIdOf(a)))).toBe(false);
      }),
      { numRuns: 500 },
    );
    // Identities that differ only in characters the escaping touches.
    const lookalikes = ['+15551234567', '15551234567', 'a_b', 'a__b', 'a.b', 'a_db', 'a/b', 'a_sb', 'a@b', 'a_ab'];
    expect(new Set(lookalikes.map(actorIdOf)).size).toBe(lookalikes.length);
  });

  it('hashes an identity too long to escape within 255 characters, and reads no identity from the hash', () => {
    const long = `${'s'.repeat(128)}/${'.'.repeat(64)}${'x'.repeat(64)}`;
    const actorId = actorIdOf(long);
    expect(actorId).toMatch(/^amh-[0-9a-f]{64}$/);
    expect(isHashedActorId(actorId)).toBe(true);
    expect(identityOfActorId(actorId)).toBeUndefined();
    expect(actorIdOf(`${long}y`)).not.toBe(actorId);
  });

  it('reads only the one spelling it writes', () => {
    for (const foreign of ['someone-else', 'am-', 'am-_q1', 'am-a_', 'am-_x00zz', 'am-_x0041']) {
      expect(identityOfActorId(foreign)).toBeUndefined();
    }
    expect(identityOfActorId('am-_x00e9t_x00e9')).toBe('été');
  });
});

describe('sessionIdOf', () => {
  it("keeps ElevenLabs' conversation ids as they are", () => {
    expect(sessionIdOf('conv_01jx8k2m3n4p5q6r7s8t9v0w1x')).toBe('conv_01jx8k2m3n4p5q6r7s8t9v0w1x');
    expect(conversationIdOfSession('conv_01jx8k2m3n4p5q6r7s8t9v0w1x')).toBe('conv_01jx8k2m3n4p5q6r7s8t9v0w1x');
  });

  it('hashes any other id, distinctly, into a valid session id', () => {
    const ids = ['conv a', 'conv/a', 'conv.a', '_conv', '', 'x'.repeat(101), undefined];
    const sessions = ids.map(sessionIdOf);
    for (const session of sessions) {
      expect(session).toMatch(SESSION_ID);
      expect(session.length).toBeLessThanOrEqual(100);
      expect(conversationIdOfSession(session)).toBeUndefined();
    }
    expect(new Set(sessions.slice(0, 6)).size).toBe(6);
    expect(sessionIdOf(undefined)).toBe(sessionIdOf(''));
    // An id shaped like a hashed session is hashed too, so it cannot take another conversation's session.
    const hashed = sessionIdOf('conv a');
    expect(sessionIdOf(hashed)).not.toBe(hashed);
  });
});

describe('namespaces', () => {
  it('puts every type under the actor, and reads back actor, type and session', () => {
    const actorId = actorIdOf('clinic-a/+15551234567');
    expect(typeNamespace(actorId, 'factual')).toBe('/agentic-memory/actors/am-clinic-a_s_p15551234567/factual/');
    expect(parseNamespace(`${typeNamespace(actorId, 'factual')}conv_1/`)).toEqual({
      actorId,
      type: 'factual',
      sessionId: 'conv_1',
    });
    expect(parseNamespace(`${typeNamespace(actorId, 'semantic')}facts/`)).toEqual({ actorId, type: 'semantic' });
    expect(parseNamespace('/somebody-else/facts/')).toBeUndefined();
    expect(parseNamespace(`${actorNamespace(actorId)}other/`)).toBeUndefined();
  });

  it('gives the strategies templates that resolve to the namespaces the adapter reads', () => {
    const actorId = actorIdOf('+15551234567');
    const resolve = (template: string) =>
      template.replace('{actorId}', actorId).replace('{sessionId}', 'conv_1').replace('{memoryStrategyId}', 'x');
    expect(AGENTCORE_STRATEGIES.map((s) => s.type)).toEqual(['SEMANTIC', 'USER_PREFERENCE', 'SUMMARIZATION']);
    for (const strategy of AGENTCORE_STRATEGIES) {
      const [namespace] = strategy.namespaces.map(resolve);
      expect(namespace).toMatch(NAMESPACE);
      expect(namespace.startsWith(actorNamespace(actorId))).toBe(true);
      expect(namespace.endsWith('/')).toBe(true);
    }
    expect(parseNamespace(resolve(AGENTCORE_NAMESPACE_TEMPLATES.facts))?.type).toBe('semantic');
    expect(parseNamespace(resolve(AGENTCORE_NAMESPACE_TEMPLATES.preferences))?.type).toBe('semantic');
    expect(parseNamespace(resolve(AGENTCORE_NAMESPACE_TEMPLATES.summaries))).toEqual({
      actorId,
      type: 'factual',
      sessionId: 'conv_1',
    });
  });
});
