/**
 * `agentic-memory connect` with the official @elevenlabs/elevenlabs-js client against the
 * loopback ElevenLabs API (test/support/elevenlabs-api-server.ts), and a real local stack. Each
 * test asserts on the agent configuration that results, then places calls the way the platform
 * would (initiation webhook, server tool, signed post-call webhook) to prove it works.
 */
import { SNIPPET_END, SNIPPET_START } from '../../cli/elevenlabs/prompt-snippet';
import { CallRefused, ElevenLabsApiLoopback } from '../support/elevenlabs-api-server';
import { cli } from './cli-support';
import { startLocalTarget, type LocalTarget } from './connect-support';

const MARGARET = '+16125550142';
const DANIEL = '+13125550147';

let server: ElevenLabsApiLoopback;
let target: LocalTarget;

beforeEach(async () => {
  server = await ElevenLabsApiLoopback.start();
  target = await startLocalTarget(server);
});
afterEach(async () => {
  expect(server.errors).toEqual([]);
  await target.close();
  await server.close();
});

const connect = (agentId: string, ...more: string[]) => target.run(['connect', '--agent', agentId, ...more]);

function secretValue(id: unknown): string | undefined {
  return server.secrets.get(String((id as { secret_id?: string })?.secret_id))?.value;
}

function searchTool(agentId: string) {
  const tools = (server.agent(agentId).conversation_config.agent?.prompt?.tool_ids ?? []).map((id) =>
    server.tools.get(id),
  );
  return tools.filter((tool) => tool?.tool_config.type === 'webhook' && tool.tool_config.name === 'search_memory');
}

/** A call of the caller through ElevenLabs' side: pre-call, a search, then the signed post-call. */
async function callAndRemember(agentId: string, callerId: string, said: string[], name: string) {
  const call = await server.placeInboundCall(agentId, callerId);
  const status = await server.endCall(call, { said, summary: `${name} called about ${said[0]}`, callerName: name });
  await target.test.stack.ingestIdle();
  return { call, status };
}

describe('connect on a blank agent', () => {
  it('configures the agent so that a call is personalised, searchable and remembered', async () => {
    const agentId = server.addAgent({ prompt: 'You are the front desk of a small clinic.' });

    const run = await connect(agentId);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const agent = server.agent(agentId);
    const settings = agent.platform_settings!;
    // The initiation webhook, its header from a workspace secret holding the workspace key.
    const initiation = settings.workspace_overrides!.conversation_initiation_client_data_webhook!;
    expect(initiation.url).toBe(`${target.url}/client-data`);
    expect(Object.keys(initiation.request_headers)).toEqual(['X-Workspace-Key']);
    expect(secretValue(initiation.request_headers['X-Workspace-Key'])).toBe(target.test.stack.keys.workspaceKey);
    expect(settings.overrides!.enable_conversation_initiation_client_data_from_webhook).toBe(true);
    // The overrides the deployment sends (first message), and not the prompt (no base prompt template).
    expect(settings.overrides!.conversation_config_override!.agent).toEqual({ first_message: true });
    // The search tool: POST, the per-call token, the query from the LLM, user_id from the platform.
    const [tool] = searchTool(agentId);
    expect(searchTool(agentId)).toHaveLength(1);
    expect(tool!.tool_config).toMatchObject({
      type: 'webhook',
      response_timeout_secs: 5,
      api_schema: {
        url: `${target.url}/retrieve`,
        method: 'POST',
        request_headers: { 'X-Memory-Token': { variable_name: 'secret__memory_token' } },
        request_body_schema: {
          properties: {
            query: { type: 'string', description: expect.stringMatching(/\w/) },
            user_id: { type: 'string', dynamic_variable: 'system__caller_id' },
            agent_id: { type: 'string', dynamic_variable: 'system__agent_id' },
          },
        },
      },
    });
    const toolConfig = tool!.tool_config as {
      api_schema: { request_body_schema: { properties: Record<string, object> } };
    };
    expect(toolConfig.api_schema.request_body_schema.properties.user_id).not.toHaveProperty('description');
    // The post-call webhook: created with HMAC, retries on, its secret now the deployment's HMAC key.
    const webhookId = settings.workspace_overrides!.webhooks!.post_call_webhook_id!;
    const webhook = server.webhooks.get(webhookId)!;
    expect(webhook.webhook).toMatchObject({
      webhook_url: `${target.url}/post-call`,
      auth_type: 'hmac',
      is_disabled: false,
    });
    expect(webhook.retryEnabled).toBe(true);
    expect(target.savedKeys().hmacKey).toBe(webhook.secret);
    expect(run.stdout).not.toContain(webhook.secret);
    // Recordings are downloaded (ELEVENLABS_API_KEY is set): transcripts only.
    expect(settings.workspace_overrides!.webhooks!.events).toEqual(['transcript']);
    // The prompt gained the snippet, once.
    const prompt = agent.conversation_config.agent!.prompt!.prompt!;
    expect(prompt.startsWith('You are the front desk of a small clinic.')).toBe(true);
    expect(prompt.split(SNIPPET_START)).toHaveLength(2);
    expect(prompt).toContain('{{memory_context}}');

    // npm start again: the stack now holds the webhook's signing secret.
    await target.restart();
    const first = await callAndRemember(agentId, MARGARET, ['My dog Biscuit is twelve years old.'], 'Margaret');
    expect(first.call.variables.returning_caller).toBe('no');
    expect(first.status).toBe(200);

    const second = await server.placeInboundCall(agentId, MARGARET);
    expect(second.variables.returning_caller).toBe('yes');
    expect(second.prompt).toContain('Biscuit');
    const search = await server.callTool(second, 'search_memory', { query: 'dog' });
    expect(search.status).toBe(200);
    expect(JSON.stringify(search.body.memories)).toContain('Biscuit');

    // Another caller's call finds nothing of Margaret's, whatever the model asks for.
    const stranger = await server.placeInboundCall(agentId, DANIEL);
    expect(stranger.variables.returning_caller).toBe('no');
    const theirs = await server.callTool(stranger, 'search_memory', { query: 'dog Biscuit', user_id: MARGARET });
    expect(theirs.status).toBe(200);
    expect(theirs.body.memories).toEqual([]);
  });

  it('a second run changes nothing', async () => {
    const agentId = server.addAgent();
    expect((await connect(agentId)).code).toBe(0);
    const agent = structuredClone(server.agent(agentId));
    const tools = structuredClone([...server.tools]);
    const webhooks = structuredClone([...server.webhooks]);
    const secretIds = [...server.secrets.keys()];
    const hmacKey = target.savedKeys().hmacKey;
    const writesBefore = server.writes().length;

    const again = await connect(agentId);

    expect(again.code).toBe(0);
    expect(again.stdout).toContain('The agent already uses this deployment: nothing to change.');
    expect(server.agent(agentId)).toEqual(agent);
    expect([...server.tools]).toEqual(tools);
    expect([...server.webhooks]).toEqual(webhooks);
    expect([...server.secrets.keys()]).toEqual(secretIds);
    expect(target.savedKeys().hmacKey).toBe(hmacKey);
    // Only the write-only secret values were written again (same values), nothing else.
    const writes = server.writes().slice(writesBefore);
    expect(writes.map((w) => `${w.method} ${w.path.replace(/[^/]+$/, ':id')}`)).toEqual([
      'PATCH /v1/convai/secrets/:id',
      'PATCH /v1/convai/secrets/:id',
    ]);
    expect([...server.secrets.values()].map((s) => s.value).sort()).toEqual(
      [target.test.stack.keys.workspaceKey, target.test.stack.keys.retrieveApiKey].sort(),
    );
  });
});

describe('connect --rotate-webhook-secret', () => {
  it('makes a new webhook, stores its secret, and later runs keep using it', async () => {
    const agentId = server.addAgent();
    expect((await connect(agentId)).code).toBe(0);
    const webhookOf = () =>
      server.agent(agentId).platform_settings!.workspace_overrides!.webhooks!.post_call_webhook_id!;
    const before = webhookOf();

    const rotated = await connect(agentId, '--rotate-webhook-secret');

    expect(rotated.code).toBe(0);
    expect(webhookOf()).not.toBe(before);
    expect(target.savedKeys().hmacKey).toBe(server.webhooks.get(webhookOf())!.secret);
    expect(rotated.stdout).toContain(`The previous webhook "AgenticMemory post-call (local)" (${before})`);
    const again = await connect(agentId);
    expect(again.stdout).toContain('nothing to change');
    expect(target.savedKeys().hmacKey).toBe(server.webhooks.get(webhookOf())!.secret);
    await target.restart();
    const call = await server.placeInboundCall(agentId, MARGARET);
    expect(await server.endCall(call, { said: ['Hello.'], summary: 'A greeting.' })).toBe(200);
  });
});

describe('connect --dry-run', () => {
  it('prints the change as a diff of the agent settings and changes nothing', async () => {
    const agentId = server.addAgent({ prompt: 'Be brief.' });
    const before = structuredClone(server.agent(agentId));
    const hmacKey = target.savedKeys().hmacKey;

    const run = await connect(agentId, '--dry-run');

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('dry run, nothing was changed');
    expect(run.stdout).toContain(
      '+ platform_settings.overrides.enable_conversation_initiation_client_data_from_webhook: true',
    );
    expect(run.stdout).toContain(
      `+ platform_settings.workspace_overrides.conversation_initiation_client_data_webhook.url: "${target.url}/client-data"`,
    );
    expect(run.stdout).toMatch(
      /~ conversation_config\.agent\.prompt\.prompt:\n\s+ Be brief\.\n(.*\n)*\s+\+ \{\{memory_context\}\}/,
    );
    expect(run.stdout).toContain('create tool search_memory');
    expect(server.writes()).toEqual([]);
    expect(server.agent(agentId)).toEqual(before);
    expect(server.tools.size + server.webhooks.size + server.secrets.size).toBe(0);
    expect(target.savedKeys().hmacKey).toBe(hmacKey);
  });
});

describe('connect on a half-configured agent', () => {
  it('fixes what is wrong in place and keeps what is the operator own', async () => {
    const { webhookId: handMadeWebhook } = server.addWebhook('My post-call hook', `${target.url}/post-call`);
    const unsafeTool = server.addTool({
      type: 'webhook',
      name: 'search_memory',
      description: 'Search memories',
      response_timeout_secs: 20,
      api_schema: {
        url: `${target.url}/retrieve`,
        method: 'POST',
        request_headers: { 'X-Api-Key': target.test.stack.keys.retrieveApiKey },
        request_body_schema: {
          type: 'object',
          required: ['query', 'user_id'],
          properties: {
            query: { type: 'string', description: 'what to look for' },
            user_id: { type: 'string', description: 'the caller phone number' },
          },
        },
      },
    });
    const bookingTool = server.addTool({
      type: 'webhook',
      name: 'book_appointment',
      description: 'Books an appointment',
      api_schema: { url: 'https://clinic.example/book', method: 'POST' },
    });
    const agentId = server.addAgent({
      prompt: `Be brief.\n${SNIPPET_START}\nOld notes: {{memory_summary}}\n${SNIPPET_END}\nAlways be kind.`,
      raw: {
        conversation_config: {
          agent: {
            first_message: 'Hi!',
            prompt: {
              prompt: `Be brief.\n${SNIPPET_START}\nOld notes: {{memory_summary}}\n${SNIPPET_END}\nAlways be kind.`,
              tool_ids: [bookingTool, unsafeTool],
            },
          },
        },
        platform_settings: {
          overrides: {
            enable_conversation_initiation_client_data_from_webhook: false,
            conversation_config_override: { agent: { first_message: false, prompt: { prompt: true } } },
          },
          workspace_overrides: {
            conversation_initiation_client_data_webhook: {
              url: 'https://old-host.example/pre-call',
              request_headers: { 'X-Workspace-Key': 'typed-by-hand', 'X-Other': 'token-of-another-service' },
            },
            webhooks: { post_call_webhook_id: handMadeWebhook, events: ['transcript', 'call_initiation_failure'] },
          },
        },
      },
    });

    const run = await connect(agentId);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const agent = server.agent(agentId);
    // The unsafe tool was fixed in place (same id), the operator's other tool kept.
    expect(agent.conversation_config.agent!.prompt!.tool_ids).toEqual([bookingTool, unsafeTool]);
    const fixed = server.tools.get(unsafeTool)!.tool_config as unknown as {
      response_timeout_secs: number;
      api_schema: {
        request_headers: Record<string, unknown>;
        request_body_schema: { properties: Record<string, unknown> };
      };
    };
    expect(fixed.api_schema.request_body_schema.properties.user_id).toEqual({
      type: 'string',
      dynamic_variable: 'system__caller_id',
    });
    expect(fixed.api_schema.request_headers['X-Memory-Token']).toEqual({ variable_name: 'secret__memory_token' });
    expect(secretValue(fixed.api_schema.request_headers['X-Api-Key'])).toBe(target.test.stack.keys.retrieveApiKey);
    expect(fixed.response_timeout_secs).toBe(5);
    // The snippet between the markers replaced, the operator's text around it kept.
    const prompt = agent.conversation_config.agent!.prompt!.prompt!;
    expect(prompt.startsWith(`Be brief.\n${SNIPPET_START}\n{{memory_context}}`)).toBe(true);
    expect(prompt.endsWith(`${SNIPPET_END}\nAlways be kind.`)).toBe(true);
    expect(prompt).not.toContain('Old notes');
    // Only the overrides the deployment sends: first message on, prompt off.
    expect(agent.platform_settings!.overrides).toMatchObject({
      enable_conversation_initiation_client_data_from_webhook: true,
      conversation_config_override: { agent: { first_message: true, prompt: { prompt: false } } },
    });
    // The initiation webhook points here, the workspace key from its secret; the header set for the
    // old URL cannot be removed through the API: the operator is told.
    const initiation = agent.platform_settings!.workspace_overrides!.conversation_initiation_client_data_webhook!;
    expect(initiation.url).toBe(`${target.url}/client-data`);
    expect(secretValue(initiation.request_headers['X-Workspace-Key'])).toBe(target.test.stack.keys.workspaceKey);
    expect(run.stdout).toMatch(/also sends X-Other: these headers now reach this deployment too/);
    // A webhook of our own (its secret is ours); the hand-made one left alone; other events kept.
    const webhooks = agent.platform_settings!.workspace_overrides!.webhooks!;
    expect(webhooks.post_call_webhook_id).not.toBe(handMadeWebhook);
    expect(server.webhooks.get(handMadeWebhook)!.webhook.name).toBe('My post-call hook');
    expect(webhooks.events).toEqual(['transcript', 'call_initiation_failure']);
    expect(target.savedKeys().hmacKey).toBe(server.webhooks.get(webhooks.post_call_webhook_id!)!.secret);
    expect(run.stdout).toContain('Workspace webhook "My post-call hook" also delivers to');

    await target.restart();
    const { status } = await callAndRemember(agentId, MARGARET, ['I moved to Duluth last spring.'], 'Margaret');
    expect(status).toBe(200);
    const next = await server.placeInboundCall(agentId, MARGARET);
    expect(next.firstMessage).toMatch(/Margaret/);
    const found = await server.callTool(next, 'search_memory', { query: 'Duluth', user_id: DANIEL });
    expect(found.status).toBe(200);
    expect(JSON.stringify(found.body.memories)).toContain('Duluth');
  });

  it('before connect, the same agent fails the call as ElevenLabs would', async () => {
    const agentId = server.addAgent({
      raw: {
        conversation_config: { agent: { prompt: { prompt: 'Hello {{caller_name}}' } } },
        platform_settings: { overrides: { enable_conversation_initiation_client_data_from_webhook: false } },
      },
    });
    await expect(server.placeInboundCall(agentId, MARGARET)).rejects.toThrow(CallRefused);
    expect((await connect(agentId)).code).toBe(0);
    await expect(server.placeInboundCall(agentId, MARGARET)).resolves.toMatchObject({
      variables: { returning_caller: 'no' },
    });
  });
});

describe('connect refuses a URL ElevenLabs cannot reach', () => {
  it.each([
    ['loopback', (url: string) => url],
    ['localhost', (url: string) => url.replace('127.0.0.1', 'localhost')],
    ['a private network', () => 'https://10.1.2.3:8443'],
    ['link-local', () => 'https://169.254.10.10'],
    ['IPv6 loopback', () => 'https://[::1]:3000'],
  ])('%s: exit 2, a clear message, nothing asked of ElevenLabs', async (_, urlOf) => {
    const agentId = server.addAgent();

    const refused = await connectWithout(agentId, urlOf(target.url));

    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/ElevenLabs cannot call it.*--allow-private-url/);
    expect(server.requests).toEqual([]);
    expect(server.agent(agentId).platform_settings).toEqual({});
  });

  it('--local without --url is a usage error', async () => {
    const agentId = server.addAgent();
    const run = await connectWithout(agentId, undefined);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--local needs --url PUBLIC_URL');
    expect(server.requests).toEqual([]);
  });
});

/** connect with --local and the given --url, but without --allow-private-url. */
async function connectWithout(agentId: string, url: string | undefined) {
  const argv = ['connect', '--agent', agentId, '--local', '--home', target.home];
  return cli(url === undefined ? argv : [...argv, '--url', url], { env: target.env });
}
