import { HttpError } from '../../lambdas/shared/http/errors';

/** The HttpError a call throws; fails the test if it throws nothing or something else. */
export const refusal = (fn: () => unknown): HttpError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};
