/**
 * `connect --stack`: what the agent must match is read from the deployed stack (its outputs and
 * the function environments in its template), the ElevenLabs API key from the stack's secret,
 * and the webhook's signing secret stored into the stack's HMAC key secret. Real AWS SDK clients
 * against loopback CloudFormation and Secrets Manager (test/support), the official ElevenLabs
 * client against the loopback ElevenLabs API.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ElevenLabsApiLoopback } from '../support/elevenlabs-api-server';
import { AwsControlPlane } from '../support/aws-control-plane';
import { SecretsManagerLoopback } from '../support/secrets-manager-server';
import { cli } from './cli-support';

const SECRETS = {
  mem0: 'clinic/mem0',
  hmac: 'clinic/hmac',
  workspace: 'clinic/workspace',
  retrieve: 'clinic/retrieve',
  memoryToken: 'clinic/memory-token',
  elevenLabs: 'clinic/elevenlabs',
};
const WORKSPACE_KEY = 'wk_clinic_workspace_key_0123456789';
const BASE_PROMPT = 'You are the reception of Lakeside Clinic.\n{{memory_context}}';

let server: ElevenLabsApiLoopback;
let plane: AwsControlPlane;
let secrets: SecretsManagerLoopback;
let savedEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  server = await ElevenLabsApiLoopback.start();
  plane = await AwsControlPlane.start();
  secrets = await SecretsManagerLoopback.start({
    [SECRETS.mem0]: 'm0-key',
    [SECRETS.hmac]: 'placeholder-hmac-key',
    [SECRETS.workspace]: WORKSPACE_KEY,
    [SECRETS.retrieve]: 'rk_clinic_retrieve_key',
    [SECRETS.memoryToken]: 'mtk_clinic',
    [SECRETS.elevenLabs]: server.apiKey,
  });
  savedEnv = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_CLOUDFORMATION: plane.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});
afterAll(async () => {
  process.env = savedEnv;
  expect(server.errors).toEqual([]);
  await Promise.all([server.close(), plane.close(), secrets.close()]);
});

/** A deployed stack's outputs: the API URLs are the stack's own (ElevenLabs reaches them as they are). */
function deployStack(name: string, extra: Record<string, string>): string {
  const api = `https://${name.toLowerCase()}.execute-api.us-east-1.amazonaws.com`;
  plane.stacks.set(name, {
    ClientDataApiUrl: `${api}/client-data`,
    RetrieveApiUrl: `${api}/retrieve`,
    PostCallApiUrl: `${api}/post-call`,
    ArchiveBucketName: `${name.toLowerCase()}-archive`,
    IngestQueueUrl: `${plane.endpoint}/123456789012/${name}-ingest`,
    IngestDeadLetterQueueUrl: `${plane.endpoint}/123456789012/${name}-dead`,
    Mem0ApiKeySecretName: SECRETS.mem0,
    HmacKeySecretName: SECRETS.hmac,
    WorkspaceKeySecretName: SECRETS.workspace,
    RetrieveApiKeySecretName: SECRETS.retrieve,
    MemoryTokenKeySecretName: SECRETS.memoryToken,
    ...extra,
  });
  return api;
}

async function secretValue(secretId: string): Promise<string | undefined> {
  const client = new SecretsManagerClient({ region: 'us-east-1' });
  try {
    return (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } finally {
    client.destroy();
  }
}

/** The template as CDK synthesises it: each function's environment, literal where it is configuration. */
function functionTemplate(variables: Record<string, unknown>) {
  return {
    Resources: {
      ClientDataFunction: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: variables } } },
      Bucket: { Type: 'AWS::S3::Bucket', Properties: {} },
    },
  };
}

it('a stack with a base prompt template, recording downloads and token-only search', async () => {
  const api = deployStack('Clinic', { ElevenLabsApiKeySecretName: SECRETS.elevenLabs, RetrieveAuth: 'token' });
  plane.templates.set(
    'Clinic',
    functionTemplate({
      BASE_PROMPT_TEMPLATE: BASE_PROMPT,
      OVERRIDE_FIRST_MESSAGE: 'true',
      WORKSPACE_KEY_SECRET_ID: { Ref: 'WorkspaceKeySecret' },
    }),
  );
  const agentId = server.addAgent();

  // No ELEVENLABS_API_KEY: the stack's ElevenLabs API key secret is used.
  const run = await cli(['connect', '--agent', agentId, '--stack', 'Clinic', '--region', 'us-east-1'], {
    env: { ELEVENLABS_API_HOST: server.url },
  });

  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const settings = server.agent(agentId).platform_settings!;
  expect(settings.overrides!.conversation_config_override!.agent).toEqual({
    first_message: true,
    prompt: { prompt: true },
  });
  expect(run.stdout).toContain("a base prompt template is configured): on calls it replaces the agent's own prompt");
  expect(run.stdout).toContain('read from the function environments in the template of stack Clinic');
  expect(settings.workspace_overrides!.conversation_initiation_client_data_webhook!.url).toBe(`${api}/client-data`);
  // Recordings are downloaded by the stack: transcripts only.
  expect(settings.workspace_overrides!.webhooks!.events).toEqual(['transcript']);
  // Token-only search: the tool carries no static key, and no retrieve-key secret is made.
  const tool = server.tools.get(server.agent(agentId).conversation_config.agent!.prompt!.tool_ids![0])!;
  expect((tool.tool_config as { api_schema: { request_headers: object } }).api_schema.request_headers).toEqual({
    'X-Memory-Token': { variable_name: 'secret__memory_token' },
  });
  expect([...server.secrets.values()]).toEqual([{ name: 'agentic_memory_clinic_workspace_key', value: WORKSPACE_KEY }]);
  // The signing secret went straight into the stack's HMAC key secret, and nowhere in the output.
  const webhook = server.webhooks.get(settings.workspace_overrides!.webhooks!.post_call_webhook_id!)!;
  expect(webhook.webhook.webhook_url).toBe(`${api}/post-call`);
  expect(await secretValue(SECRETS.hmac)).toBe(webhook.secret);
  expect(run.stdout).not.toContain(webhook.secret);
  expect(run.stdout).toContain(`signing secret was stored in ${SECRETS.hmac}`);
});

it('a stack whose template cannot be read: the handlers defaults, audio webhooks where nothing downloads', async () => {
  const api = deployStack('Plain', {});
  const agentId = server.addAgent();

  const withoutKey = await cli(['connect', '--agent', agentId, '--stack', 'Plain', '--region', 'us-east-1'], {
    env: { ELEVENLABS_API_HOST: server.url },
  });
  expect(withoutKey.code).toBe(2);
  expect(withoutKey.stderr).toContain('no ElevenLabs API key: set ELEVENLABS_API_KEY');

  const run = await cli(['connect', '--agent', agentId, '--stack', 'Plain', '--region', 'us-east-1'], {
    env: { ELEVENLABS_API_HOST: server.url, ELEVENLABS_API_KEY: server.apiKey },
  });

  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/read from defaults: the template of stack Plain could not be read/);
  const settings = server.agent(agentId).platform_settings!;
  expect(settings.overrides!.conversation_config_override!.agent).toEqual({ first_message: true });
  expect(settings.workspace_overrides!.webhooks!.events).toEqual(['transcript', 'audio']);
  const tool = server.tools.get(server.agent(agentId).conversation_config.agent!.prompt!.tool_ids![0])!;
  const headers = (tool.tool_config as { api_schema: { url: string; request_headers: Record<string, unknown> } })
    .api_schema;
  expect(headers.url).toBe(`${api}/retrieve`);
  // The default search auth (token-or-key) keeps the static key for calls without a pre-call.
  expect(Object.keys(headers.request_headers).sort()).toEqual(['X-Api-Key', 'X-Memory-Token']);
});
