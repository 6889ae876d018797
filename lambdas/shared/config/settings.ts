import { ENV } from './env-names';
import { DEFAULT_MEMORY_TOKEN_TTL_SECONDS } from '../caller/memory-token';
import { MEMORY_SCOPE_MODES, parseScopeMap, type MemoryScope, type MemoryScopeMode } from '../caller/memory-identity';

type Env = Record<string, string | undefined>;

const BOOLEAN_WORDS = ['true', 'false', '1', '0', 'yes', 'no'];
const TRUE_WORDS = ['true', '1', 'yes'];

/**
 * Reads a function's settings from its environment, at every cold start. Plain checks rather
 * than a schema: a schema library's first parse costs milliseconds of initialisation for a
 * handful of variables. Every problem is collected, and all are reported at once, each naming
 * its variable.
 */
class EnvironmentReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  integer(name: string, fallback: number, min: number, max: number): number;
  integer(name: string, fallback: undefined, min: number, max: number): number | undefined;
  integer(name: string, fallback: number | undefined, min: number, max: number): number | undefined {
    const raw = emptyToUndefined(this.env[name]);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (Number.isSafeInteger(value) && value >= min && value <= max) return value;
    this.problems.push(`${name}: must be a whole number from ${min} to ${max}, got "${raw}"`);
    return fallback;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = emptyToUndefined(this.env[name]);
    if (raw === undefined) return fallback;
    if (BOOLEAN_WORDS.includes(raw)) return TRUE_WORDS.includes(raw);
    this.problems.push(`${name}: must be one of ${BOOLEAN_WORDS.join(', ')}, got "${raw}"`);
    return fallback;
  }

  text(name: string, fallback: string, rule: { maxLength?: number; mustContain?: string } = {}): string {
    const raw = emptyToUndefined(this.env[name]);
    if (raw === undefined) return fallback;
    if (rule.maxLength !== undefined && raw.length > rule.maxLength) {
      this.problems.push(`${name}: must be at most ${rule.maxLength} characters`);
    } else if (rule.mustContain !== undefined && !raw.includes(rule.mustContain)) {
      this.problems.push(`${name}: must contain ${rule.mustContain}`);
    } else {
      return raw;
    }
    return fallback;
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = emptyToUndefined(this.env[name]);
    if (raw === undefined) return fallback;
    if ((choices as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name}: must be one of ${choices.join(', ')}, got "${raw}"`);
    return fallback;
  }

  /** Whose memory a call uses: MEMORY_SCOPE and, in agent scope, the optional MEMORY_SCOPE_MAP. */
  memoryScope(): MemoryScope {
    const mode = this.oneOf<MemoryScopeMode>(ENV.memoryScope, MEMORY_SCOPE_MODES, 'deployment');
    const rawMap = emptyToUndefined(this.env[ENV.memoryScopeMap]);
    if (rawMap === undefined) return { mode };
    if (mode !== 'agent') {
      this.problems.push(`${ENV.memoryScopeMap}: is only used with ${ENV.memoryScope}=agent`);
      return { mode };
    }
    const map = parseScopeMap(rawMap);
    if (!map.ok) {
      this.problems.push(`${ENV.memoryScopeMap}: ${map.problem}`);
      return { mode };
    }
    return { mode, agentScopes: map.agentScopes };
  }

  /** A problem found across variables. */
  problem(message: string): void {
    this.problems.push(message);
  }

  /** The settings read, or an error naming every variable that is wrong. */
  settings<T>(settings: T): T {
    if (this.problems.length > 0) throw new Error(`invalid configuration: ${this.problems.join('; ')}`);
    return settings;
  }
}

function emptyToUndefined(value: string | undefined) {
  return value === undefined || value.trim() === '' ? undefined : value;
}

export const DEFAULT_MEMORY_DEADLINE_MS = 1500;
export const MEMORY_CONTEXT_PLACEHOLDER = '{{memory_context}}';
export const DEFAULT_NEW_CALLER_GREETING = 'Hello! Thanks for calling. How can I help you today?';

/** Smallest memory-context budget: the fixed frame around the data block always fits in it. */
export const MIN_CONTEXT_CHARS = 1000;

export interface ClientDataSettings {
  memoryDeadlineMs: number;
  memoryScope: MemoryScope;
  /** Lifetime of the per-call memory token the answer carries. */
  memoryTokenTtlSeconds: number;
  /** Send the prompt override; it has no effect without `basePromptTemplate`. */
  overridePrompt: boolean;
  overrideFirstMessage: boolean;
  /**
   * Template of the prompt override, with {{memory_context}} where the memory block goes. Unset
   * (the default): no prompt override; the agent keeps its own prompt, which includes the memory
   * through the `memory_context` dynamic variable.
   */
  basePromptTemplate?: string;
  newCallerGreeting: string;
  maxFacts: number;
  maxHighlights: number;
  maxContextChars: number;
}

export function clientDataSettings(env: Env = process.env): ClientDataSettings {
  const read = new EnvironmentReader(env);
  return read.settings({
    memoryDeadlineMs: read.integer(ENV.memoryDeadlineMs, DEFAULT_MEMORY_DEADLINE_MS, 50, 25_000),
    memoryScope: read.memoryScope(),
    memoryTokenTtlSeconds: read.integer(ENV.memoryTokenTtlSeconds, DEFAULT_MEMORY_TOKEN_TTL_SECONDS, 60, 86_400),
    overridePrompt: read.boolean(ENV.overridePrompt, true),
    overrideFirstMessage: read.boolean(ENV.overrideFirstMessage, true),
    ...unlessEmpty(
      'basePromptTemplate',
      read.text(ENV.basePromptTemplate, '', { mustContain: MEMORY_CONTEXT_PLACEHOLDER }),
    ),
    newCallerGreeting: read.text(ENV.newCallerGreeting, DEFAULT_NEW_CALLER_GREETING, { maxLength: 1000 }),
    maxFacts: read.integer(ENV.contextMaxFacts, 10, 0, 100),
    maxHighlights: read.integer(ENV.contextMaxHighlights, 3, 0, 20),
    maxContextChars: read.integer(ENV.contextMaxChars, 4000, MIN_CONTEXT_CHARS, 50_000),
  });
}

/** `{ key: value }`, or nothing for an empty value: an optional text that is not set. */
function unlessEmpty<K extends string>(key: K, value: string): Partial<Record<K, string>> {
  return value === '' ? {} : ({ [key]: value } as Partial<Record<K, string>>);
}

/**
 * How an in-call search proves whose memories it may read:
 * - `token`: only the per-call memory token the pre-call minted;
 * - `token-or-key`: the token, or the static key for calls without a pre-call (web widget);
 * - `key`: the static key alone (any caller whose user_id is sent: the old behaviour).
 */
export type RetrieveAuth = 'token' | 'token-or-key' | 'key';
export const RETRIEVE_AUTH_MODES: readonly RetrieveAuth[] = ['token', 'token-or-key', 'key'];

export interface RetrieveSettings {
  memoryDeadlineMs: number;
  defaultLimit: number;
  retrieveAuth: RetrieveAuth;
  /** `key` mode only: false lets searches in without the static key (explicit opt-out). */
  requireApiKey: boolean;
  memoryScope: MemoryScope;
}

export function retrieveSettings(env: Env = process.env): RetrieveSettings {
  const read = new EnvironmentReader(env);
  const retrieveAuth = read.oneOf(ENV.retrieveAuth, RETRIEVE_AUTH_MODES, 'token-or-key');
  const requireApiKey = read.boolean(ENV.retrieveRequireApiKey, true);
  // An open search endpoint is only ever an explicit choice: with tokens the switch would do nothing.
  if (!requireApiKey && retrieveAuth !== 'key') {
    read.problem(`${ENV.retrieveRequireApiKey}: "false" needs ${ENV.retrieveAuth}=key (it turns the static key off)`);
  }
  return read.settings({
    memoryDeadlineMs: read.integer(ENV.memoryDeadlineMs, DEFAULT_MEMORY_DEADLINE_MS, 50, 25_000),
    defaultLimit: read.integer(ENV.searchDefaultLimit, 10, 1, 50),
    retrieveAuth,
    requireApiKey,
    memoryScope: read.memoryScope(),
  });
}

export const DEFAULT_RECORDING_DEADLINE_MS = 300_000;

export interface IngestSettings {
  memoryWriteDeadlineMs: number;
  memoryScope: MemoryScope;
  /** Downloading and archiving one recording, retries included. */
  recordingDeadlineMs: number;
}

export function ingestSettings(env: Env = process.env): IngestSettings {
  const read = new EnvironmentReader(env);
  return read.settings({
    memoryWriteDeadlineMs: read.integer(ENV.memoryWriteDeadlineMs, 10_000, 100, 120_000),
    memoryScope: read.memoryScope(),
    recordingDeadlineMs: read.integer(ENV.recordingDeadlineMs, DEFAULT_RECORDING_DEADLINE_MS, 1000, 900_000),
  });
}

export interface RetentionSettings {
  /** Memories older than this are erased. */
  memoryMaxAgeDays: number;
}

export function retentionSettings(env: Env = process.env): RetentionSettings {
  const read = new EnvironmentReader(env);
  const memoryMaxAgeDays = read.settings(read.integer(ENV.memoryMaxAgeDays, undefined, 1, 36_500));
  if (memoryMaxAgeDays === undefined) throw new Error(`invalid configuration: ${ENV.memoryMaxAgeDays} is not set`);
  return { memoryMaxAgeDays };
}

/** A required variable, with an error naming it when it is missing. */
export function requiredEnv(name: string, env: Env = process.env): string {
  const value = emptyToUndefined(env[name]);
  if (value === undefined) throw new Error(`invalid configuration: ${name} is not set`);
  return value;
}
