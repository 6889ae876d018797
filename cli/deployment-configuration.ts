import { scopeForAgent, type MemoryScope } from '../lambdas/shared/caller';
import { ENV, retrieveSettings, type RetrieveAuth } from '../lambdas/shared/config';
import { AdminError, EXIT, usageError } from './admin-error';

/** What the admin tools must know of how a deployment's functions are configured. */
export interface DeploymentConfiguration {
  /** Whose memory a call uses: one per caller, or one per caller and agent (or named group of agents). */
  memoryScope: MemoryScope;
  /** How an in-call search authenticates: the per-call memory token, the static key, or either. */
  retrieveAuth: RetrieveAuth;
}

/** The configuration values as the functions' environment spells them; unset means the default. */
export interface ConfigurationValues {
  memoryScope?: string;
  memoryScopeMap?: string;
  retrieveAuth?: string;
}

/**
 * Reads the values exactly as the functions do (same defaults, same checks), so the admin tools
 * never disagree with the endpoints. `origin` names where they came from, for the error message.
 */
export function readConfiguration(values: ConfigurationValues, origin: string): DeploymentConfiguration {
  try {
    const settings = retrieveSettings({
      [ENV.memoryScope]: values.memoryScope,
      [ENV.memoryScopeMap]: values.memoryScopeMap,
      [ENV.retrieveAuth]: values.retrieveAuth,
    });
    return { memoryScope: settings.memoryScope, retrieveAuth: settings.retrieveAuth };
  } catch (error) {
    throw new AdminError(`${origin}: ${(error as Error).message}`, EXIT.failed, { cause: error });
  }
}

/** The scope names of a deployment in agent scope with a map, sorted; undefined without a map. */
export function scopeNames(scope: MemoryScope): string[] | undefined {
  return scope.agentScopes ? [...new Set(scope.agentScopes.values())].sort() : undefined;
}

/**
 * The scope an operator named with `--scope`: a scope name of the map, or an agent id (which
 * the map turns into its scope name). A deployment in `deployment` scope has none to name.
 */
export function scopeFromOption(raw: string, scope: MemoryScope, description: string): string {
  const value = raw.trim();
  if (scope.mode === 'deployment') {
    throw usageError(
      `--scope: ${description} keeps one memory per caller, shared by every agent (memory scope "deployment"): leave --scope out`,
    );
  }
  const names = scopeNames(scope);
  if (names?.includes(value)) return value;
  const scoped = scopeForAgent(value, scope);
  if (scoped.ok && scoped.scope !== undefined) return scoped.scope;
  throw usageError(
    names
      ? `--scope: "${value}" is neither a scope nor an agent of the memory-scope map of ${description} (its scopes: ${names.join(', ')})`
      : `--scope: "${value}" is not an agent id (letters, digits, _ and -, as ElevenLabs' agent_…)`,
  );
}
