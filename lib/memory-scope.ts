import { Token } from 'aws-cdk-lib';
import { MEMORY_SCOPE_MODES, SCOPE_NAME_PATTERN, type MemoryScope } from './contract';

/** Scope name → the ElevenLabs agent ids whose calls share that memory. */
export type MemoryScopeMap = Readonly<Record<string, readonly string[]>>;

/**
 * Checks `memoryScope` and `memoryScopeMap` as the handlers will (`parseScopeMap` in
 * lambdas/shared/caller/memory-identity.ts), so that a mistake fails the synth, not every call.
 * Returns the `MEMORY_SCOPE_MAP` value: the map as JSON, or undefined when there is none.
 */
export function memoryScopeMapVariable(
  memoryScope: MemoryScope | undefined,
  memoryScopeMap: MemoryScopeMap | undefined,
): string | undefined {
  if (memoryScope !== undefined && !(MEMORY_SCOPE_MODES as readonly string[]).includes(memoryScope)) {
    throw new Error(
      `AgenticMemory: memoryScope must be one of ${MEMORY_SCOPE_MODES.map((m) => `'${m}'`).join(', ')}, got '${String(memoryScope)}'.`,
    );
  }
  if (memoryScopeMap === undefined) return undefined;
  if (memoryScope !== 'agent') {
    throw new Error("AgenticMemory: memoryScopeMap groups agents into memory scopes and needs memoryScope: 'agent'.");
  }
  if (memoryScopeMap === null || typeof memoryScopeMap !== 'object' || Array.isArray(memoryScopeMap)) {
    throw new Error('AgenticMemory: memoryScopeMap must be an object of scope names to lists of agent ids.');
  }
  const scopeOfAgent = new Map<string, string>();
  for (const [name, agents] of Object.entries(memoryScopeMap)) {
    if (Token.isUnresolved(name) || !SCOPE_NAME_PATTERN.test(name)) {
      throw new Error(
        `AgenticMemory: memoryScopeMap scope name "${name}" must be 1-128 letters, digits, _ or - (known at synth).`,
      );
    }
    if (!Array.isArray(agents) || agents.length === 0) {
      throw new Error(`AgenticMemory: memoryScopeMap scope "${name}" must list at least one agent id.`);
    }
    for (const agent of agents as unknown[]) {
      if (typeof agent !== 'string' || Token.isUnresolved(agent) || !SCOPE_NAME_PATTERN.test(agent)) {
        throw new Error(
          `AgenticMemory: memoryScopeMap scope "${name}" lists "${String(agent)}", which is not an ElevenLabs agent id (1-128 letters, digits, _ or -, known at synth).`,
        );
      }
      const other = scopeOfAgent.get(agent);
      if (other !== undefined) {
        throw new Error(
          other === name
            ? `AgenticMemory: memoryScopeMap scope "${name}" lists agent ${agent} twice.`
            : `AgenticMemory: memoryScopeMap puts agent ${agent} in two scopes ("${other}" and "${name}"); an agent's calls belong to one memory.`,
        );
      }
      scopeOfAgent.set(agent, name);
    }
  }
  if (scopeOfAgent.size === 0) {
    throw new Error(
      "AgenticMemory: memoryScopeMap names no scope; remove it to keep one memory per agent, or list each scope's agent ids.",
    );
  }
  return JSON.stringify(memoryScopeMap);
}
