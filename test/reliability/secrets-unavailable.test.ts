import { createClientDataHandler } from '../../lambdas/client-data/handler';
import { createPostCallHandler } from '../../lambdas/post-call/handler';
import { createRetrieveHandler } from '../../lambdas/retrieve/handler';
import { mem0FromEnvironment } from '../../lambdas/shared/aws/mem0-from-environment';
import { mintMemoryToken, type CallerId } from '../../lambdas/shared/caller';
import { ENV, SecretsManagerSecrets, clientDataSettings, retrieveSettings } from '../../lambdas/shared/config';
import type { HttpEndpoint } from '../../lambdas/shared/http';
import { createPowertools } from '../../lambdas/shared/powertools';
import { apiGatewayEvent, lambdaContext } from '../support/http-event';
import { startMem0Server, type Mem0LoopbackServer } from '../support/mem0-server';
import { startLocalS3, type LocalS3 } from '../support/s3';
import { SecretsManagerLoopback, type SecretsManagerFailure } from '../support/secrets-manager-server';
import { signedPostCall } from '../support/signing';

/**
 * A secret that cannot be read is our outage, not the client's fault: every endpoint answers 503
 * (ElevenLabs retries, the operator's alarm fires), never 401 (which tells the client its
 * credentials are wrong, and after ten in a row ElevenLabs disables the webhook). The handlers run
 * with the real SecretsManagerSecrets (Powertools parameters, the real SDK client) against the
 * loopback Secrets Manager, which is made to fail.
 */

const CALLER = '+16125550142';
const AGENT = 'agent_secrets';
const VALUES = {
  workspaceKey: 'wk_outage_workspace_key_0123456789',
  retrieveApiKey: 'rk_outage_retrieve_key_0123456789',
  hmacKey: 'wsec_outage_0123456789abcdef0123456789',
  memoryTokenKey: 'mtk_outage_0123456789abcdef0123456789',
};

const OUTAGES: Array<[string, SecretsManagerFailure]> = [
  ['answers 500 (InternalServiceError)', { status: 500, type: 'InternalServiceError' }],
  ['throttles (ThrottlingException)', { status: 400, type: 'ThrottlingException' }],
  ['drops the connection', 'reset'],
];

let secretsManager: SecretsManagerLoopback;
let mem0: Mem0LoopbackServer;
let s3: LocalS3;
const savedEnv = { ...process.env };

beforeAll(async () => {
  [secretsManager, mem0, s3] = await Promise.all([SecretsManagerLoopback.start({}), startMem0Server(), startLocalS3()]);
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secretsManager.endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([secretsManager.close(), mem0.close(), s3.close()]);
});

let deployment = 0;

/**
 * The three endpoints as deployed: secrets under ids of their own (a fresh cold start, nothing
 * cached by Powertools), the Mem0 API key among them.
 */
function freshDeployment(): Record<'preCall' | 'search' | 'postCall', HttpEndpoint> {
  deployment += 1;
  const idOf = (name: string) => `agentic-memory-${deployment}/${name}`;
  const env = {
    [ENV.workspaceKeySecretId]: idOf('workspace-key'),
    [ENV.retrieveApiKeySecretId]: idOf('retrieve-api-key'),
    [ENV.hmacKeySecretId]: idOf('hmac-key'),
    [ENV.memoryTokenKeySecretId]: idOf('memory-token-key'),
    [ENV.mem0ApiKeySecretId]: idOf('mem0-api-key'),
    [ENV.mem0Host]: mem0.url,
  };
  secretsManager.set(idOf('workspace-key'), VALUES.workspaceKey);
  secretsManager.set(idOf('retrieve-api-key'), VALUES.retrieveApiKey);
  secretsManager.set(idOf('hmac-key'), VALUES.hmacKey);
  secretsManager.set(idOf('memory-token-key'), VALUES.memoryTokenKey);
  secretsManager.set(idOf('mem0-api-key'), mem0.apiKey);

  const secrets = new SecretsManagerSecrets(env, 300);
  const memory = mem0FromEnvironment(secrets, env);
  return {
    preCall: createClientDataHandler({
      secrets,
      memory,
      archive: s3.archive,
      settings: clientDataSettings(env),
      tools: createPowertools('client-data'),
    }),
    search: createRetrieveHandler({
      secrets,
      memory,
      settings: retrieveSettings(env),
      tools: createPowertools('retrieve'),
    }),
    postCall: createPostCallHandler({ secrets, archive: s3.archive, tools: createPowertools('post-call') }),
  };
}

/** Each endpoint with the credentials ElevenLabs would present: right ones, so only the outage can refuse. */
const REQUESTS: Array<[string, (endpoints: ReturnType<typeof freshDeployment>) => ReturnType<HttpEndpoint>]> = [
  [
    'pre-call',
    ({ preCall }) =>
      preCall(
        apiGatewayEvent({
          body: { caller_id: CALLER, agent_id: AGENT, called_number: '+16125550199', call_sid: 'CA-secrets' },
          headers: { 'x-workspace-key': VALUES.workspaceKey },
        }),
        lambdaContext('client-data'),
      ),
  ],
  [
    'in-call search with the memory token',
    ({ search }) =>
      search(
        apiGatewayEvent({
          body: { query: 'appointment' },
          headers: {
            'x-memory-token': mintMemoryToken(VALUES.memoryTokenKey, {
              identity: CALLER as CallerId,
              agentId: AGENT,
              expiresAt: Math.floor(Date.now() / 1000) + 600,
            }),
          },
        }),
        lambdaContext('retrieve'),
      ),
  ],
  [
    'in-call search with the static key',
    ({ search }) =>
      search(
        apiGatewayEvent({
          body: { query: 'appointment', user_id: CALLER },
          headers: { 'x-api-key': VALUES.retrieveApiKey },
        }),
        lambdaContext('retrieve'),
      ),
  ],
  [
    'post-call',
    ({ postCall }) => {
      const { rawBody, signature } = signedPostCall(
        {
          type: 'post_call_transcription',
          event_timestamp: Math.floor(Date.now() / 1000),
          data: { agent_id: AGENT, conversation_id: `conv_secrets_${deployment}`, transcript: [] },
        },
        VALUES.hmacKey,
      );
      return postCall(
        apiGatewayEvent({ body: rawBody, headers: { 'elevenlabs-signature': signature } }),
        lambdaContext('post-call'),
      );
    },
  ],
];

describe.each(OUTAGES)('while Secrets Manager %s', (_outage, failure) => {
  afterEach(() => secretsManager.recover());

  it.each(REQUESTS)('%s answers 503, never 401, and writes nothing; once it is back, 200', async (_name, send) => {
    const endpoints = freshDeployment();
    const keysBefore = await s3.listKeys();
    secretsManager.fail(failure);

    const during = await send(endpoints);

    expect({ status: during.statusCode, body: JSON.parse(during.body) }).toEqual({
      status: 503,
      body: { error: 'service temporarily unavailable' },
    });
    expect(await s3.listKeys()).toEqual(keysBefore);

    secretsManager.recover();
    expect((await send(endpoints)).statusCode).toBe(200);
  });
});
