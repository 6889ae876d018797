import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { rememberSecretValue } from '../logging';
import { ENV } from './env-names';
import { requiredEnv } from './settings';

export type SecretName =
  'mem0ApiKey' | 'hmacKey' | 'workspaceKey' | 'retrieveApiKey' | 'memoryTokenKey' | 'elevenLabsApiKey';

/** Where a handler gets secret values. Values are never logged. */
export interface Secrets {
  get(name: SecretName): Promise<string>;
}

const SECRET_ID_ENV: Record<SecretName, string> = {
  mem0ApiKey: ENV.mem0ApiKeySecretId,
  hmacKey: ENV.hmacKeySecretId,
  workspaceKey: ENV.workspaceKeySecretId,
  retrieveApiKey: ENV.retrieveApiKeySecretId,
  memoryTokenKey: ENV.memoryTokenKeySecretId,
  elevenLabsApiKey: ENV.elevenLabsApiKeySecretId,
};

/**
 * Secrets Manager through Powertools parameters: fetched on first use, cached for `maxAgeSeconds`
 * so a rotated value is picked up without a redeploy.
 */
export class SecretsManagerSecrets implements Secrets {
  constructor(
    private readonly env: Record<string, string | undefined> = process.env,
    private readonly maxAgeSeconds = Number(process.env[ENV.secretsMaxAgeSeconds] ?? 300),
  ) {}

  async get(name: SecretName): Promise<string> {
    const secretId = requiredEnv(SECRET_ID_ENV[name], this.env);
    const value = await getSecret(secretId, { maxAge: this.maxAgeSeconds });
    if (typeof value !== 'string' || value.length === 0) {
      throw new Error(`secret ${SECRET_ID_ENV[name]} has no value yet: set it in Secrets Manager`);
    }
    rememberSecretValue(value);
    return value;
  }
}

/** Fixed values: the local stack (from the environment) and tests. */
export class StaticSecrets implements Secrets {
  constructor(private readonly values: Partial<Record<SecretName, string>>) {}

  async get(name: SecretName): Promise<string> {
    const value = this.values[name];
    if (!value) throw new Error(`secret ${name} is not configured`);
    rememberSecretValue(value);
    return value;
  }
}
