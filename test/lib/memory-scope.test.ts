import { memoryScopeMapVariable, type MemoryScopeMap } from '../../lib/memory-scope';
import { parseScopeMap } from '../../lambdas/shared/caller/memory-identity';

describe('memoryScopeMapVariable', () => {
  test('no map: no variable, whatever the scope', () => {
    expect(memoryScopeMapVariable(undefined, undefined)).toBeUndefined();
    expect(memoryScopeMapVariable('deployment', undefined)).toBeUndefined();
    expect(memoryScopeMapVariable('agent', undefined)).toBeUndefined();
  });

  test('a valid map: its JSON, which the handlers read back as the same agent → scope pairs', () => {
    const map = { 'clinic-a': ['agent_01jx0000000000000000000001', 'agent_2'], clinic_b: ['agent_3'] };
    const variable = memoryScopeMapVariable('agent', map)!;
    expect(JSON.parse(variable)).toEqual(map);
    const parsed = parseScopeMap(variable);
    expect(parsed.ok && Object.fromEntries(parsed.agentScopes)).toEqual({
      agent_01jx0000000000000000000001: 'clinic-a',
      agent_2: 'clinic-a',
      agent_3: 'clinic_b',
    });
  });

  test.each([
    ['not an object', ['agent_1'], /must be an object of scope names to lists of agent ids/],
    ['null', null, /must be an object/],
    ['a list that is not a list', { a: 'agent_1' }, /scope "a" must list at least one agent id/],
    ['an agent id that is not a string', { a: [42] }, /scope "a" lists "42", which is not an ElevenLabs agent id/],
    ['a 129-character agent id', { a: ['a'.repeat(129)] }, /which is not an ElevenLabs agent id/],
    ['a 129-character scope name', { ['a'.repeat(129)]: ['agent_1'] }, /scope name "a{129}" must be 1-128/],
  ])('%s: refused, as the handlers would refuse it', (_name, map, message) => {
    expect(() => memoryScopeMapVariable('agent', map as unknown as MemoryScopeMap)).toThrow(message);
    expect(parseScopeMap(JSON.stringify(map)).ok).toBe(false);
  });

  test('every refusal starts with AgenticMemory: and names memoryScopeMap', () => {
    expect(() => memoryScopeMapVariable('agent', { a: ['agent_1'], b: ['agent_1'] })).toThrow(
      /^AgenticMemory: memoryScopeMap puts agent agent_1 in two scopes \("a" and "b"\); an agent's calls belong to one memory\.$/,
    );
  });
});
