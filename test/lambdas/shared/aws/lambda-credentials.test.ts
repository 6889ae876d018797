import { defaultProvider } from '../../../../lambdas/shared/aws/lambda-credentials';

describe('the credentials bundled functions use (the Lambda environment)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('are the execution role’s, read from the environment as the SDK’s fromEnv reads them', async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
      AWS_CREDENTIAL_EXPIRATION: '2026-11-21T18:00:00Z',
      AWS_ACCOUNT_ID: '123456789012',
    });
    expect(await defaultProvider()()).toEqual({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiration: new Date('2026-11-21T18:00:00Z'),
      accountId: '123456789012',
    });
  });

  it('refuse, saying where they were expected, when the environment has none', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    await expect(defaultProvider()()).rejects.toThrow(/no AWS credentials in the environment/);
  });
});
