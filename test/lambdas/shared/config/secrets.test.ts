import { SecretsManagerSecrets, StaticSecrets } from '../../../../lambdas/shared/config';
import { SecretsManagerLoopback } from '../../../support/secrets-manager-server';

describe('SecretsManagerSecrets (Powertools parameters, real SDK client, loopback Secrets Manager)', () => {
  let loopback: SecretsManagerLoopback;
  const saved = { ...process.env };

  beforeAll(async () => {
    loopback = await SecretsManagerLoopback.start({
      'agentic-memory/workspace-key': 'wk-1',
      'agentic-memory/empty': '',
    });
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = loopback.endpoint;
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
  });
  afterAll(async () => {
    process.env = saved;
    await loopback.close();
  });

  const env = {
    WORKSPACE_KEY_SECRET_ID: 'agentic-memory/workspace-key',
    RETRIEVE_API_KEY_SECRET_ID: 'agentic-memory/empty',
  };

  it('reads a secret once and serves it from cache until it is older than its max age', async () => {
    const secrets = new SecretsManagerSecrets(env, 1);
    loopback.requests.length = 0;
    expect(await secrets.get('workspaceKey')).toBe('wk-1');
    expect(await secrets.get('workspaceKey')).toBe('wk-1');
    expect(loopback.requests).toEqual(['secretsmanager.GetSecretValue:agentic-memory/workspace-key']);

    loopback.set('agentic-memory/workspace-key', 'wk-rotated');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await secrets.get('workspaceKey')).toBe('wk-rotated');
  });

  it('names the variable when a secret id is not configured, and the secret when it has no value', async () => {
    const secrets = new SecretsManagerSecrets(env, 1);
    await expect(secrets.get('hmacKey')).rejects.toThrow('ELEVENLABS_HMAC_KEY_SECRET_ID is not set');
    await expect(secrets.get('retrieveApiKey')).rejects.toThrow('RETRIEVE_API_KEY_SECRET_ID has no value yet');
  });
});

describe('StaticSecrets', () => {
  it('gives configured values and refuses missing ones', async () => {
    const secrets = new StaticSecrets({ hmacKey: 'h' });
    expect(await secrets.get('hmacKey')).toBe('h');
    await expect(secrets.get('mem0ApiKey')).rejects.toThrow('mem0ApiKey is not configured');
  });
});
