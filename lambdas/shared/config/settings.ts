import { z } from 'zod';
import { ENV } from './env-names';

type Env = Record<string, string | undefined>;

const boolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((value) => (value === undefined ? fallback : ['true', '1', 'yes'].includes(value)));

const integer = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).optional().default(fallback);

function parse<T extends z.ZodRawShape>(shape: T, env: Env, source: Record<keyof T, string>) {
  const raw = Object.fromEntries(Object.entries(source).map(([key, name]) => [key, emptyToUndefined(env[name])]));
  const result = z.object(shape).safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${source[issue.path[0] as keyof T]}: ${issue.message}`);
    throw new Error(`invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

function emptyToUndefined(value: string | undefined) {
  return value === undefined || value.trim() === '' ? undefined : value;
}

export const DEFAULT_MEMORY_DEADLINE_MS = 1500;
export const MEMORY_CONTEXT_PLACEHOLDER = '{{memory_context}}';
export const DEFAULT_NEW_CALLER_GREETING = 'Hello! Thanks for calling. How can I help you today?';

export interface ClientDataSettings {
  memoryDeadlineMs: number;
  overridePrompt: boolean;
  overrideFirstMessage: boolean;
  /** Prompt override template; the memory context replaces {{memory_context}}. */
  basePromptTemplate: string;
  newCallerGreeting: string;
  maxFacts: number;
  maxHighlights: number;
  maxContextChars: number;
}

export function clientDataSettings(env: Env = process.env): ClientDataSettings {
  return parse(
    {
      memoryDeadlineMs: integer(DEFAULT_MEMORY_DEADLINE_MS, 50, 25_000),
      overridePrompt: boolean(true),
      overrideFirstMessage: boolean(true),
      basePromptTemplate: z
        .string()
        .refine((t) => t.includes(MEMORY_CONTEXT_PLACEHOLDER), `must contain ${MEMORY_CONTEXT_PLACEHOLDER}`)
        .optional()
        .default(MEMORY_CONTEXT_PLACEHOLDER),
      newCallerGreeting: z.string().max(1000).optional().default(DEFAULT_NEW_CALLER_GREETING),
      maxFacts: integer(10, 0, 100),
      maxHighlights: integer(3, 0, 20),
      maxContextChars: integer(4000, 200, 50_000),
    },
    env,
    {
      memoryDeadlineMs: ENV.memoryDeadlineMs,
      overridePrompt: ENV.overridePrompt,
      overrideFirstMessage: ENV.overrideFirstMessage,
      basePromptTemplate: ENV.basePromptTemplate,
      newCallerGreeting: ENV.newCallerGreeting,
      maxFacts: ENV.contextMaxFacts,
      maxHighlights: ENV.contextMaxHighlights,
      maxContextChars: ENV.contextMaxChars,
    },
  );
}

export interface RetrieveSettings {
  memoryDeadlineMs: number;
  defaultLimit: number;
  requireApiKey: boolean;
}

export function retrieveSettings(env: Env = process.env): RetrieveSettings {
  return parse(
    {
      memoryDeadlineMs: integer(DEFAULT_MEMORY_DEADLINE_MS, 50, 25_000),
      defaultLimit: integer(10, 1, 50),
      requireApiKey: boolean(true),
    },
    env,
    {
      memoryDeadlineMs: ENV.memoryDeadlineMs,
      defaultLimit: ENV.searchDefaultLimit,
      requireApiKey: ENV.retrieveRequireApiKey,
    },
  );
}

export interface IngestSettings {
  memoryWriteDeadlineMs: number;
}

export function ingestSettings(env: Env = process.env): IngestSettings {
  return parse({ memoryWriteDeadlineMs: integer(10_000, 100, 120_000) }, env, {
    memoryWriteDeadlineMs: ENV.memoryWriteDeadlineMs,
  });
}

/** A required variable, with an error naming it when it is missing. */
export function requiredEnv(name: string, env: Env = process.env): string {
  const value = emptyToUndefined(env[name]);
  if (value === undefined) throw new Error(`invalid configuration: ${name} is not set`);
  return value;
}
