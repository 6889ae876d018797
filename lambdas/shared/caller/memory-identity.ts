import { parseCallerId, redactCallerId, type CallerId } from './caller-id';

/**
 * Whose memory a call reads and writes. In `deployment` scope every agent of the deployment
 * shares one memory per caller: the identity is the caller id. In `agent` scope a caller's
 * memories are kept apart per agent (or per named group of agents): the identity is
 * `{scope}/{callerId}`. A caller id never contains '/', so the two parts split unambiguously.
 * An identity is a `CallerId` value, so every memory store keys on it unchanged.
 */
export type MemoryScopeMode = 'deployment' | 'agent';
export const MEMORY_SCOPE_MODES: readonly MemoryScopeMode[] = ['deployment', 'agent'];

export interface MemoryScope {
  mode: MemoryScopeMode;
  /** Agent id → scope name (`agent` mode only). Set: an agent missing from it has no memory. */
  agentScopes?: ReadonlyMap<string, string>;
}

export const DEPLOYMENT_SCOPE: MemoryScope = { mode: 'deployment' };

/** ElevenLabs agent ids (`agent_01jx…`) and our scope names share this alphabet. */
const SCOPE_NAME = /^[A-Za-z0-9_-]{1,128}$/;

export type NoIdentityReason = 'withheld' | 'no-caller' | 'invalid-caller' | 'no-agent' | 'unknown-agent';

export type IdentityOutcome =
  | { ok: true; identity: CallerId; callerId: CallerId; scope?: string }
  | {
      ok: false;
      reason: NoIdentityReason;
      detail: string;
      /** The caller, when it was a real one and only the scope refused it (an agent outside the map). */
      callerId?: CallerId;
    };

export type ScopeOutcome =
  { ok: true; scope?: string } | { ok: false; reason: 'no-agent' | 'unknown-agent'; detail: string };

/** The scope a call of `agentId` belongs to: none in deployment scope. */
export function scopeForAgent(agentId: string | undefined | null, scope: MemoryScope): ScopeOutcome {
  if (scope.mode === 'deployment') return { ok: true };
  const agent = agentId?.trim() ?? '';
  if (agent === '')
    return { ok: false, reason: 'no-agent', detail: 'the call names no agent, and memory is kept per agent' };
  if (scope.agentScopes) {
    const named = scope.agentScopes.get(agent);
    return named === undefined
      ? { ok: false, reason: 'unknown-agent', detail: 'the agent is not in the configured memory-scope map' }
      : { ok: true, scope: named };
  }
  return SCOPE_NAME.test(agent)
    ? { ok: true, scope: agent }
    : { ok: false, reason: 'unknown-agent', detail: 'the agent id is not an ElevenLabs agent id' };
}

/** The memory identity of a caller calling an agent, or why the call has none. */
export function resolveMemoryIdentity(
  rawCallerId: string | undefined | null,
  agentId: string | undefined | null,
  scope: MemoryScope,
): IdentityOutcome {
  if (rawCallerId === undefined || rawCallerId === null || rawCallerId.trim() === '') {
    return { ok: false, reason: 'no-caller', detail: 'the call has no caller id' };
  }
  const parsed = parseCallerId(rawCallerId);
  if (!parsed.ok) {
    return parsed.withheld
      ? { ok: false, reason: 'withheld', detail: 'the caller withheld their number' }
      : { ok: false, reason: 'invalid-caller', detail: `the caller id ${parsed.problem}` };
  }
  return identityInScope(parsed.callerId, agentId, scope);
}

/** The identity of an already-parsed caller id in the scope of `agentId`. */
export function identityInScope(
  callerId: CallerId,
  agentId: string | undefined | null,
  scope: MemoryScope,
): IdentityOutcome {
  const scoped = scopeForAgent(agentId, scope);
  if (!scoped.ok) return { ...scoped, callerId };
  return { ok: true, identity: scopedIdentity(scoped.scope, callerId), callerId, scope: scoped.scope };
}

export function scopedIdentity(scope: string | undefined, callerId: CallerId): CallerId {
  return (scope === undefined ? callerId : `${scope}/${callerId}`) as CallerId;
}

/** Reads an identity back (from a token, a store's user list, an admin command); undefined if it is none. */
export function parseMemoryIdentity(
  value: string,
): { identity: CallerId; callerId: CallerId; scope?: string } | undefined {
  const slash = value.indexOf('/');
  const scope = slash < 0 ? undefined : value.slice(0, slash);
  if (scope !== undefined && !SCOPE_NAME.test(scope)) return undefined;
  const parsed = parseCallerId(slash < 0 ? value : value.slice(slash + 1));
  if (!parsed.ok) return undefined;
  return { identity: scopedIdentity(scope, parsed.callerId), callerId: parsed.callerId, scope };
}

/** For logs: the scope as it is, the caller redacted. */
export function redactIdentity(identity: string): string {
  const slash = identity.indexOf('/');
  return slash < 0
    ? redactCallerId(identity)
    : `${identity.slice(0, slash)}/${redactCallerId(identity.slice(slash + 1))}`;
}

/**
 * Parses the scope map: `{"clinic-a": ["agent_1", "agent_2"], "clinic-b": ["agent_3"]}`.
 * Returns the problem instead when it is not exactly that shape, or an agent is in two scopes.
 */
export function parseScopeMap(
  json: string,
): { ok: true; agentScopes: Map<string, string> } | { ok: false; problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { ok: false, problem: 'is not JSON: expected {"scope-name": ["agent id", …], …}' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, problem: 'must be a JSON object of scope names to lists of agent ids' };
  }
  const agentScopes = new Map<string, string>();
  for (const [name, agents] of Object.entries(parsed as Record<string, unknown>)) {
    if (!SCOPE_NAME.test(name))
      return { ok: false, problem: `scope name "${name}" must be 1-128 letters, digits, _ or -` };
    if (!Array.isArray(agents) || agents.length === 0) {
      return { ok: false, problem: `scope "${name}" must list at least one agent id` };
    }
    for (const agent of agents) {
      if (typeof agent !== 'string' || !SCOPE_NAME.test(agent)) {
        return { ok: false, problem: `scope "${name}" lists "${String(agent)}", which is not an agent id` };
      }
      const other = agentScopes.get(agent);
      if (other !== undefined)
        return { ok: false, problem: `agent ${agent} is in two scopes ("${other}" and "${name}")` };
      agentScopes.set(agent, name);
    }
  }
  if (agentScopes.size === 0) return { ok: false, problem: 'names no scope' };
  return { ok: true, agentScopes };
}
