import type { z } from 'zod';
import { badRequest } from './errors';

/** Validates with a schema; a failure becomes a 400 that names each offending field. */
export function validate<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : 'body';
    return `${field}: ${issue.message}`;
  });
  throw badRequest(problems.join('; '));
}
