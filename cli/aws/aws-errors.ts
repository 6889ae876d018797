import { AdminError, EXIT } from '../admin-error';

const NO_ACCESS = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AuthorizationError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidAccessKeyId',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
]);

/** An AWS SDK failure as the CLI reports it: what went wrong, what to do, and an exit code. */
export function fromAwsError(error: unknown): AdminError | undefined {
  if (error instanceof AdminError) return error;
  const { name, message } = error as { name?: string; message?: string };
  if (name === 'CredentialsProviderError') {
    return new AdminError(
      'no AWS credentials found: configure them (aws configure, aws sso login, AWS_PROFILE or AWS_ACCESS_KEY_ID), or use --local',
      EXIT.noAccess,
      { cause: error },
    );
  }
  if (typeof message === 'string' && /region is missing/i.test(message)) {
    return new AdminError(
      'no AWS region: pass --region, or set AWS_REGION (or a region in your AWS profile)',
      EXIT.usage,
      { cause: error },
    );
  }
  if (name && NO_ACCESS.has(name)) {
    return new AdminError(`AWS refused the request (${name}): ${message ?? ''}`.trim(), EXIT.noAccess, {
      cause: error,
    });
  }
  return undefined;
}
