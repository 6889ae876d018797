import { badRequest } from './errors';

/**
 * Validation of request bodies, written out rather than taken from a schema library: the
 * bodies are a few fields each, and a library's first use costs milliseconds of every cold
 * start. A schema checks and normalises one value and reports each problem as `path: message`.
 */
export type Schema<T> = (value: unknown, field: Field) => T;

export type Infer<S> = S extends Schema<infer T> ? T : never;

/** Where a value sits in the body, and the problems found in the body so far. */
export class Field {
  constructor(
    readonly path: string,
    private readonly problems: string[],
  ) {}

  at(key: string): Field {
    return new Field(this.path === '' ? key : `${this.path}.${key}`, this.problems);
  }

  /**
   * Records a problem. The value then returned stands in for the field and is never used:
   * `validate` refuses a body with any problem.
   */
  problem(message: string): never {
    this.problems.push(`${this.path === '' ? 'body' : this.path}: ${message}`);
    return undefined as never;
  }

  get problemCount(): number {
    return this.problems.length;
  }
}

/** Validates with a schema; a failure becomes a 400 that names each offending field. */
export function validate<T>(schema: Schema<T>, value: unknown): T {
  const problems: string[] = [];
  const result = schema(value, new Field('', problems));
  if (problems.length > 0) throw badRequest(problems.slice(0, 5).join('; '));
  return result;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object with these fields; unknown keys are dropped. */
export function object<S extends Record<string, Schema<unknown>>>(shape: S): Schema<{ [K in keyof S]: Infer<S[K]> }> {
  return (value, field) => {
    if (!isRecord(value)) return field.problem('must be an object');
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(shape)) result[key] = shape[key](value[key], field.at(key));
    return result as { [K in keyof S]: Infer<S[K]> };
  };
}

export interface TextRules {
  /** Whitespace at either end is removed before the other rules apply. */
  trim?: boolean;
  minLength?: number;
  maxLength?: number;
  /** Said when shorter than `minLength`. */
  tooShort?: string;
  /** Said when longer than `maxLength`. */
  tooLong?: string;
}

export function text(rules: TextRules = {}): Schema<string> {
  return (value, field) => {
    if (typeof value !== 'string') return field.problem(`must be a string, got ${describe(value)}`);
    const result = rules.trim ? value.trim() : value;
    if (rules.minLength !== undefined && result.length < rules.minLength) {
      return field.problem(rules.tooShort ?? `must be at least ${rules.minLength} characters`);
    }
    if (rules.maxLength !== undefined && result.length > rules.maxLength) {
      return field.problem(rules.tooLong ?? `must be at most ${rules.maxLength} characters`);
    }
    return result;
  };
}

/** Absent (and, when `nullable`, null) reads as undefined. */
export function optional<T>(schema: Schema<T>, options: { nullable?: boolean } = {}): Schema<T | undefined> {
  return (value, field) =>
    value === undefined || (options.nullable && value === null) ? undefined : schema(value, field);
}

/** The second schema reads what the first one gives, when the first one found no problem. */
export function pipe<A, B>(first: Schema<A>, second: (value: A, field: Field) => B): Schema<B> {
  return (value, field) => {
    const before = field.problemCount;
    const result = first(value, field);
    return field.problemCount > before ? (undefined as never) : second(result, field);
  };
}

/** A check on a value already read; `message` is said when it fails. */
export function refine<T>(schema: Schema<T>, isValid: (value: T) => boolean, message: string): Schema<T> {
  return pipe(schema, (value, field) => (isValid(value) ? value : field.problem(message)));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
