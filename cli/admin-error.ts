/**
 * Exit codes scripts can rely on:
 * 0 done; 1 failed (a step failed, a service refused); 2 usage (unknown option, invalid argument,
 * confirmation needed without a terminal); 3 not found (no such stack, caller, conversation or
 * data directory); 4 no access (AWS credentials missing, expired or refused).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3, noAccess: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI reports as one clear line and an exit code. */
export class AdminError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AdminError';
  }
}

export const usageError = (message: string) => new AdminError(message, EXIT.usage);
export const notFound = (message: string) => new AdminError(message, EXIT.notFound);
