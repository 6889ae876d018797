/**
 * Bundled in place of @aws-sdk/credential-provider-node, the SDK clients' default credential
 * chain (the `--alias` in lib/memory-function.ts). On Lambda the runtime puts the execution
 * role's credentials in the environment of every function, so the chain's first link always
 * answers; the others (SSO, shared config files, credential processes, web identity, container
 * and instance metadata) and the STS/SSO clients behind them are 110-135 KB per function that a
 * Lambda never runs, parsed on every cold start. The local stack and the tests run the sources,
 * with the full chain.
 */

export interface EnvironmentCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  credentialScope?: string;
  accountId?: string;
}

/** The same answer as the SDK's fromEnv, with a message that says where credentials should be. */
export function defaultProvider(): () => Promise<EnvironmentCredentials> {
  return async () => {
    const env = process.env;
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      throw new Error(
        'no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): AgenticMemory bundles expect the Lambda runtime to provide them',
      );
    }
    return {
      accessKeyId,
      secretAccessKey,
      ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }),
      ...(env.AWS_CREDENTIAL_EXPIRATION && { expiration: new Date(env.AWS_CREDENTIAL_EXPIRATION) }),
      ...(env.AWS_CREDENTIAL_SCOPE && { credentialScope: env.AWS_CREDENTIAL_SCOPE }),
      ...(env.AWS_ACCOUNT_ID && { accountId: env.AWS_ACCOUNT_ID }),
    };
  };
}
