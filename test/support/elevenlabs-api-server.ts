import { createHmac, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as serializers from '@elevenlabs/elevenlabs-js/serialization';

/**
 * A loopback stand-in for the ElevenLabs REST API routes the admin CLI uses, holding a
 * workspace's state in memory, so that tests drive it with the official
 * `@elevenlabs/elevenlabs-js` client and assert on the agent configuration that results.
 *
 * Shapes: every request body is validated, and every answer checked before it is sent, with the
 * official client's own serialization schemas (`@elevenlabs/elevenlabs-js/serialization`, the
 * wire form of `node_modules/@elevenlabs/elevenlabs-js/api/types/*.d.ts`, version 2.73.0). A
 * request the client's types would not produce is answered 422, as the API does; an answer that
 * does not parse as the client expects is a bug here, recorded in `errors`. Routes and the
 * behaviour not visible in the types are in docs/elevenlabs-api.md, with their sources.
 *
 * It also plays the platform's side of a call (`placeInboundCall`, `callTool`, `endCall`): the
 * initiation webhook with its headers resolved from workspace secrets, the rules ElevenLabs
 * applies to the answer (overrides must be enabled, every prompt variable must be sent), the
 * server tool called with its headers and body built from its definition, and the signed
 * post-call webhook. A configuration that only looks right fails there.
 */

type AgentRaw = serializers.GetAgentResponseModel.Raw;
type ToolRaw = serializers.ToolResponseModel.Raw;
type WebhookRaw = serializers.WorkspaceWebhookResponseModel.Raw;
type SettingsRaw = serializers.GetConvAiSettingsResponseModel.Raw;
type ConversationRaw = serializers.GetConversationResponseModel.Raw;
type Json = Record<string, unknown>;

/** One of the client's serialization schemas, and the wire (raw) type it describes. */
interface Schema {
  parse(
    raw: unknown,
    options?: object,
  ): { ok: true } | { ok: false; errors: Array<{ path: string[]; message: string }> };
  json(parsed: unknown, options?: object): unknown;
}
type RawOf<S extends Schema> =
  ReturnType<S['json']> extends infer M ? (M extends { ok: true; value: infer R } ? R : never) : never;

const API_KEY_HEADER = 'xi-api-key';
const STRICT = { unrecognizedObjectKeys: 'fail', allowUnrecognizedEnumValues: false } as const;
const LENIENT = { unrecognizedObjectKeys: 'passthrough', allowUnrecognizedUnionMembers: true } as const;
/** WebhookToolConfigInput.response_timeout_secs: "Must be between 5 and 300 seconds (inclusive)". */
const TOOL_TIMEOUT_SECS = { min: 5, max: 300 };
/** LiteralJsonSchemaProperty: "Only ONE of the following fields can be set". */
const VALUE_SOURCES = ['description', 'dynamic_variable', 'is_system_provided', 'constant_value', 'is_omitted'];

export interface Fault {
  method?: string;
  path: RegExp;
  status: number;
  /** Seconds, sent as Retry-After. */
  retryAfterSeconds?: number;
  /** Let this many matching requests through first. Default 0. */
  skip?: number;
  /** Fail this many matching requests. Default 1. */
  times?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  status: number;
  at: number;
}

export interface CallSession {
  agentId: string;
  conversationId: string;
  callerId: string;
  /** Every dynamic variable of the call: the pre-call's and the system ones. */
  variables: Record<string, string | number | boolean>;
  /** The prompt and first message the call runs with, variables filled in. */
  prompt: string;
  firstMessage: string;
  startedAt: number;
}

/** A call ElevenLabs would not run, with the platform's reason. */
export class CallRefused extends Error {}

export interface ConversationSpec {
  conversationId: string;
  agentId: string;
  /** The caller's number; undefined for a web call, which has none. */
  callerId?: string;
  startUnix: number;
  /** What the caller said, turn by turn (the agent answers "I see." in between). */
  said: string[];
  summary: string;
  callerName?: string;
  status?: 'done' | 'processing' | 'in-progress' | 'failed';
}

export class ElevenLabsApiLoopback {
  readonly agents = new Map<string, AgentRaw>();
  readonly tools = new Map<string, ToolRaw>();
  readonly secrets = new Map<string, { name: string; value: string }>();
  readonly webhooks = new Map<string, { webhook: WebhookRaw; secret: string; retryEnabled: boolean }>();
  settings: SettingsRaw = {};
  readonly conversations = new Map<string, ConversationRaw>();
  readonly requests: RecordedRequest[] = [];
  /** Answers this server could not make in the client's shape: a bug in the test server. */
  readonly errors: string[] = [];
  /** Largest page the list routes return (the client asks for 100; tests page with less). */
  maxPageSize = 100;
  /** Called before each request is answered (after faults are counted). */
  onRequest?: (request: { method: string; path: string }) => void;
  private faults: Array<Required<Omit<Fault, 'retryAfterSeconds' | 'method'>> & Fault> = [];
  private readonly sockets = new Set<Socket>();
  private readonly server = http.createServer((request, response) => void this.handle(request, response));
  private counter = 0;

  private constructor(readonly apiKey: string) {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(apiKey = 'xi-loopback-admin-key'): Promise<ElevenLabsApiLoopback> {
    const loopback = new ElevenLabsApiLoopback(apiKey);
    await new Promise<void>((resolve) => loopback.server.listen(0, '127.0.0.1', () => resolve()));
    return loopback;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  // ── State a test sets up ──────────────────────────────────────────────────────────────────

  /** An agent as the dashboard creates one: a prompt, a first message, nothing else configured. */
  addAgent(options: { name?: string; prompt?: string; firstMessage?: string; raw?: Partial<AgentRaw> } = {}): string {
    const agentId = this.id('agent');
    const now = Math.floor(Date.now() / 1000);
    const agent: AgentRaw = {
      agent_id: agentId,
      name: options.name ?? 'Front desk',
      conversation_config: {
        agent: {
          first_message: options.firstMessage ?? 'Hello, how can I help?',
          language: 'en',
          prompt: { prompt: options.prompt ?? 'You are the front desk of a small clinic.', llm: 'gemini-2.0-flash' },
        },
        tts: { voice_id: 'voice_test' },
      },
      metadata: { created_at_unix_secs: now, updated_at_unix_secs: now },
      platform_settings: {},
      ...options.raw,
    };
    this.agents.set(agentId, this.checked(serializers.GetAgentResponseModel, agent, 'agent'));
    return agentId;
  }

  agent(agentId: string): AgentRaw {
    const agent = this.agents.get(agentId);
    if (!agent) throw new Error(`no agent ${agentId}`);
    return agent;
  }

  /** A tool created as through the API (returns its id). */
  addTool(toolConfig: Json): string {
    const toolId = this.id('tool');
    this.tools.set(toolId, this.toolResponse(toolId, toolConfig));
    return toolId;
  }

  addSecret(name: string, value: string): string {
    const secretId = this.id('secret');
    this.secrets.set(secretId, { name, value });
    return secretId;
  }

  /** A workspace webhook as the settings page creates one; returns its id and signing secret. */
  addWebhook(name: string, url: string, state: Partial<WebhookRaw> = {}): { webhookId: string; secret: string } {
    const webhookId = this.id('wh');
    const secret = `wsec_${randomBytes(32).toString('hex')}`;
    this.webhooks.set(webhookId, {
      webhook: {
        name,
        webhook_id: webhookId,
        webhook_url: url,
        is_disabled: false,
        is_auto_disabled: false,
        created_at_unix: Math.floor(Date.now() / 1000),
        auth_type: 'hmac',
        ...state,
      },
      secret,
      retryEnabled: false,
    });
    return { webhookId, secret };
  }

  /** A finished conversation in the agent's history (the conversations routes). */
  addConversation(spec: ConversationSpec): void {
    this.conversations.set(spec.conversationId, this.conversationRecord(spec));
  }

  /** Makes matching requests fail, e.g. `{ path: /conversations\//, status: 429, retryAfterSeconds: 1, skip: 3 }`. */
  inject(fault: Fault): void {
    this.faults.push({ skip: 0, times: 1, ...fault });
  }

  requestsTo(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((request) => request.method === method && path.test(request.path));
  }

  /** Requests that changed the workspace (anything but GET). */
  writes(): RecordedRequest[] {
    return this.requests.filter((request) => request.method !== 'GET' && request.status < 400);
  }

  // ── The platform's side of a call ─────────────────────────────────────────────────────────

  /**
   * An inbound phone call: the conversation-initiation webhook as ElevenLabs calls it (the
   * agent's own setting, else the workspace's), and the checks ElevenLabs makes of the answer.
   */
  async placeInboundCall(
    agentId: string,
    callerId: string,
    options: { calledNumber?: string } = {},
  ): Promise<CallSession> {
    const agent = this.agent(agentId);
    const conversationId = this.id('conv');
    const callSid = `CA${randomBytes(16).toString('hex')}`;
    const system: Record<string, string> = {
      system__agent_id: agentId,
      system__current_agent_id: agentId,
      system__caller_id: callerId,
      system__called_number: options.calledNumber ?? '+15555550100',
      system__call_sid: callSid,
      system__conversation_id: conversationId,
    };
    let variables: Record<string, string | number | boolean> = { ...system };
    let prompt = agent.conversation_config.agent?.prompt?.prompt ?? '';
    let firstMessage = agent.conversation_config.agent?.first_message ?? '';
    const overrides = agent.platform_settings?.overrides;
    if (overrides?.enable_conversation_initiation_client_data_from_webhook === true) {
      const webhook =
        agent.platform_settings?.workspace_overrides?.conversation_initiation_client_data_webhook ??
        this.settings.conversation_initiation_client_data_webhook;
      if (!webhook) throw new CallRefused('fetching initiation data is enabled, but no initiation webhook is set');
      const answer = await this.post(webhook.url, this.resolveHeaders(webhook.request_headers, variables), {
        caller_id: callerId,
        agent_id: agentId,
        called_number: system.system__called_number,
        call_sid: callSid,
      });
      if (answer.status !== 200) throw new CallRefused(`the initiation webhook answered ${answer.status}`);
      const data = answer.body;
      if (data.type !== 'conversation_initiation_client_data') throw new CallRefused('the answer has the wrong type');
      for (const [name, value] of Object.entries((data.dynamic_variables ?? {}) as Json)) {
        if (!['string', 'number', 'boolean'].includes(typeof value)) {
          throw new CallRefused(`dynamic variable ${name} is not a string, number or boolean`);
        }
        variables[name] = value as string;
      }
      const override = ((data.conversation_config_override as Json | undefined)?.agent ?? {}) as Json;
      const allowed = overrides.conversation_config_override?.agent;
      if (override.first_message !== undefined) {
        if (allowed?.first_message !== true) throw new CallRefused('Override for field first_message is not allowed');
        firstMessage = String(override.first_message);
      }
      const promptOverride = (override.prompt as Json | undefined)?.prompt;
      if (promptOverride !== undefined) {
        if (allowed?.prompt?.prompt !== true) throw new CallRefused('Override for field prompt is not allowed');
        prompt = String(promptOverride);
      }
      for (const field of Object.keys(override).filter((key) => !['first_message', 'prompt'].includes(key))) {
        if ((allowed as Json | undefined)?.[field] !== true)
          throw new CallRefused(`Override for field ${field} is not allowed`);
      }
      variables = { ...variables, ...system };
    }
    const used = [...`${prompt}\n${firstMessage}`.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]);
    const missing = [...new Set(used)].filter((name) => !(name in variables));
    if (missing.length > 0) throw new CallRefused(`Missing required dynamic variables: ${missing.join(', ')}`);
    const fill = (text: string) =>
      text.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => String(variables[name]));
    return {
      agentId,
      conversationId,
      callerId,
      variables,
      prompt: fill(prompt),
      firstMessage: fill(firstMessage),
      startedAt: Math.floor(Date.now() / 1000),
    };
  }

  /** The LLM calls a server tool of the agent: headers and body built from the tool's definition. */
  async callTool(session: CallSession, toolName: string, llmArguments: Json): Promise<{ status: number; body: Json }> {
    const agent = this.agent(session.agentId);
    const tool = (agent.conversation_config.agent?.prompt?.tool_ids ?? [])
      .map((id) => this.tools.get(id))
      .find((candidate) => candidate?.tool_config.type === 'webhook' && candidate.tool_config.name === toolName);
    if (!tool || tool.tool_config.type !== 'webhook')
      throw new CallRefused(`the agent has no webhook tool ${toolName}`);
    const schema = tool.tool_config.api_schema;
    const body: Json = {};
    for (const [name, property] of Object.entries(schema.request_body_schema?.properties ?? {}) as Array<
      [string, Json]
    >) {
      if (property.is_omitted) continue;
      if (typeof property.dynamic_variable === 'string') {
        if (!(property.dynamic_variable in session.variables)) {
          throw new CallRefused(`dynamic variable ${property.dynamic_variable} is not set`);
        }
        body[name] = session.variables[property.dynamic_variable];
      } else if (property.constant_value !== undefined && property.constant_value !== null) {
        body[name] = property.constant_value;
      } else if (name in llmArguments) {
        body[name] = llmArguments[name];
      }
    }
    const timeoutMs = (tool.tool_config.response_timeout_secs ?? 20) * 1000;
    return this.post(
      schema.url,
      this.resolveHeaders(schema.request_headers, session.variables),
      body,
      (schema.method ?? 'GET') as string,
      timeoutMs,
    );
  }

  /**
   * The call ends: the conversation joins the history, and the post-call transcription webhook is
   * signed and delivered as the agent's (else the workspace's) webhook settings say. Returns the
   * delivery's status, or undefined when nothing was delivered.
   */
  async endCall(
    session: CallSession,
    call: { said: string[]; summary: string; callerName?: string },
  ): Promise<number | undefined> {
    const record = this.conversationRecord({
      conversationId: session.conversationId,
      agentId: session.agentId,
      callerId: session.callerId,
      startUnix: session.startedAt,
      ...call,
    });
    record.conversation_initiation_client_data = {
      dynamic_variables: session.variables as Record<string, unknown>,
    };
    this.conversations.set(session.conversationId, record);
    return this.deliverTranscription(session.agentId, record);
  }

  async deliverTranscription(agentId: string, record: ConversationRaw): Promise<number | undefined> {
    const agent = this.agent(agentId);
    const settings = agent.platform_settings?.workspace_overrides?.webhooks?.post_call_webhook_id
      ? agent.platform_settings.workspace_overrides.webhooks
      : this.settings.webhooks;
    if (!settings?.post_call_webhook_id || !(settings.events ?? []).includes('transcript')) return undefined;
    const entry = this.webhooks.get(settings.post_call_webhook_id);
    if (!entry || entry.webhook.is_disabled || entry.webhook.is_auto_disabled) return undefined;
    const timestamp = Math.floor(Date.now() / 1000);
    const raw = JSON.stringify({ type: 'post_call_transcription', event_timestamp: timestamp, data: record });
    const signature = createHmac('sha256', entry.secret).update(`${timestamp}.${raw}`).digest('hex');
    const response = await fetch(entry.webhook.webhook_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'ElevenLabs-Signature': `t=${timestamp},v0=${signature}` },
      body: raw,
    });
    await response.arrayBuffer();
    if (response.status !== 200) {
      entry.webhook.most_recent_failure_error_code = response.status;
      entry.webhook.most_recent_failure_timestamp = timestamp;
    }
    return response.status;
  }

  // ── HTTP ──────────────────────────────────────────────────────────────────────────────────

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method, path: url.pathname, query: url.search, status, at: Date.now() });
      const json = JSON.stringify(body);
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(json);
    };
    if (request.headers[API_KEY_HEADER] !== this.apiKey) {
      return reply(401, { detail: { status: 'invalid_api_key', message: 'Invalid API key' } });
    }
    const fault = this.faults.find((f) => (!f.method || f.method === method) && f.path.test(url.pathname));
    if (fault) {
      if (fault.skip > 0) {
        fault.skip--;
      } else {
        if (--fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
        const headers: Record<string, string> =
          fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
        return reply(
          fault.status,
          { detail: { status: 'injected', message: `injected HTTP ${fault.status}` } },
          headers,
        );
      }
    }
    this.onRequest?.({ method, path: url.pathname });
    let body: Json = {};
    if (text !== '') {
      try {
        body = JSON.parse(text) as Json;
      } catch {
        return reply(400, { detail: 'invalid JSON' });
      }
    }
    try {
      const [status, answer] = this.route(method, url, body);
      reply(status, answer);
    } catch (error) {
      if (error instanceof Unprocessable) return reply(422, { detail: error.problems });
      if (error instanceof NotFound) return reply(404, { detail: { status: 'not_found', message: error.message } });
      this.errors.push(`${method} ${url.pathname}: ${(error as Error).message}`);
      reply(500, { detail: (error as Error).message });
    }
  }

  private route(method: string, url: URL, body: Json): [number, unknown] {
    const path = url.pathname;
    const query = url.searchParams;
    let match: RegExpExecArray | null;
    if ((match = /^\/v1\/convai\/agents\/([^/]+)$/.exec(path))) {
      const agent = this.agents.get(decodeURIComponent(match[1]));
      if (!agent) throw new NotFound('agent not found');
      if (method === 'GET') return [200, this.checked(serializers.GetAgentResponseModel, agent, 'agent')];
      if (method === 'PATCH') return [200, this.updateAgent(agent, body)];
    }
    if (path === '/v1/convai/tools' && method === 'GET') {
      return [200, this.page([...this.tools.values()], query, 'tools', serializers.ToolsResponseModel)];
    }
    if (path === '/v1/convai/tools' && method === 'POST') {
      const request = this.validRequest(serializers.ToolRequestModel, body);
      const toolId = this.id('tool');
      this.tools.set(toolId, this.toolResponse(toolId, request.tool_config as unknown as Json));
      return [200, this.tools.get(toolId)];
    }
    if ((match = /^\/v1\/convai\/tools\/([^/]+)$/.exec(path))) {
      const toolId = decodeURIComponent(match[1]);
      if (!this.tools.has(toolId)) throw new NotFound('tool not found');
      if (method === 'GET') return [200, this.tools.get(toolId)];
      if (method === 'PATCH') {
        const request = this.validRequest(serializers.ToolRequestModel, body);
        this.tools.set(toolId, this.toolResponse(toolId, request.tool_config as unknown as Json));
        return [200, this.tools.get(toolId)];
      }
    }
    if (path === '/v1/convai/secrets' && method === 'GET') {
      const secrets = [...this.secrets].map(([secret_id, { name }]) => ({
        type: 'stored',
        secret_id,
        name,
        used_by: { tools: [], agents: [], others: [] },
      }));
      return [200, this.checked(serializers.GetWorkspaceSecretsResponseModel, { secrets }, 'secrets')];
    }
    if (path === '/v1/convai/secrets' && method === 'POST') {
      const { name, value } = this.secretRequest(body, 'new', serializers.conversationalAi.PostWorkspaceSecretRequest);
      const secretId = this.addSecret(name, value);
      return [200, { type: 'stored', secret_id: secretId, name }];
    }
    if ((match = /^\/v1\/convai\/secrets\/([^/]+)$/.exec(path)) && method === 'PATCH') {
      const secretId = decodeURIComponent(match[1]);
      if (!this.secrets.has(secretId)) throw new NotFound('secret not found');
      const { name, value } = this.secretRequest(
        body,
        'update',
        serializers.conversationalAi.PatchWorkspaceSecretRequest,
      );
      this.secrets.set(secretId, { name, value });
      return [200, { type: 'stored', secret_id: secretId, name }];
    }
    if (path === '/v1/workspace/webhooks' && method === 'GET') {
      const withUsage = query.get('include_usages') === 'true';
      const webhooks = [...this.webhooks.values()].map(({ webhook }) =>
        withUsage ? { ...webhook, usage: this.usageOf(webhook.webhook_id) } : webhook,
      );
      return [200, this.checked(serializers.WorkspaceWebhookListResponseModel, { webhooks }, 'webhooks')];
    }
    if (path === '/v1/workspace/webhooks' && method === 'POST') {
      const { settings } = this.validRequest(serializers.BodyCreateWorkspaceWebhookV1WorkspaceWebhooksPost, body);
      const { webhookId, secret } = this.addWebhook(settings.name, settings.webhook_url);
      return [200, { webhook_id: webhookId, webhook_secret: secret }];
    }
    if ((match = /^\/v1\/workspace\/webhooks\/([^/]+)$/.exec(path))) {
      const entry = this.webhooks.get(decodeURIComponent(match[1]));
      if (!entry) throw new NotFound('webhook not found');
      if (method === 'PATCH') {
        const update = this.validRequest(serializers.BodyUpdateWorkspaceWebhookV1WorkspaceWebhooksWebhookIdPatch, body);
        entry.webhook.name = update.name;
        entry.webhook.is_disabled = update.is_disabled;
        if (!update.is_disabled) entry.webhook.is_auto_disabled = false;
        if (typeof update.retry_enabled === 'boolean') entry.retryEnabled = update.retry_enabled;
        return [200, { status: 'ok' }];
      }
      if (method === 'DELETE') {
        this.webhooks.delete(entry.webhook.webhook_id);
        return [200, { status: 'ok' }];
      }
    }
    if (path === '/v1/convai/settings' && method === 'GET') {
      return [200, this.checked(serializers.GetConvAiSettingsResponseModel, this.settings, 'settings')];
    }
    if (path === '/v1/convai/conversations' && method === 'GET') {
      const after = numberParam(query, 'call_start_after_unix');
      const before = numberParam(query, 'call_start_before_unix');
      const agentId = query.get('agent_id');
      const conversations = [...this.conversations.values()]
        .filter((c) => (!agentId || c.agent_id === agentId) && c.conversation_id)
        .filter((c) => after === undefined || c.metadata.start_time_unix_secs >= after)
        .filter((c) => before === undefined || c.metadata.start_time_unix_secs <= before)
        .sort((a, b) => b.metadata.start_time_unix_secs - a.metadata.start_time_unix_secs)
        .map((c) => summaryOf(c));
      return [200, this.page(conversations, query, 'conversations', serializers.GetConversationsPageResponseModel)];
    }
    if ((match = /^\/v1\/convai\/conversations\/([^/]+)$/.exec(path)) && method === 'GET') {
      const conversation = this.conversations.get(decodeURIComponent(match[1]));
      if (!conversation) throw new NotFound('conversation not found');
      return [200, this.checked(serializers.GetConversationResponseModel, conversation, 'conversation')];
    }
    throw new NotFound(`no route ${method} ${path}`);
  }

  /** PATCH agent: validated as UpdateAgentRequest, merged key by key (docs/elevenlabs-api.md). */
  private updateAgent(agent: AgentRaw, body: Json): AgentRaw {
    const update = this.validRequest(serializers.conversationalAi.UpdateAgentRequest, body);
    const updated = merge(agent, {
      ...(update.conversation_config ? { conversation_config: update.conversation_config } : {}),
      ...(update.platform_settings ? { platform_settings: update.platform_settings } : {}),
      ...(update.name ? { name: update.name } : {}),
    }) as AgentRaw;
    updated.metadata = { ...updated.metadata, updated_at_unix_secs: Math.floor(Date.now() / 1000) };
    const checked = this.checked(serializers.GetAgentResponseModel, updated, 'agent');
    this.agents.set(agent.agent_id, checked);
    return checked;
  }

  private toolResponse(toolId: string, toolConfig: Json): ToolRaw {
    if (toolConfig.type === 'webhook') checkWebhookTool(toolConfig);
    return this.checked(
      serializers.ToolResponseModel,
      {
        id: toolId,
        tool_config: toolConfig,
        access_info: {
          is_creator: true,
          creator_name: 'Test Operator',
          creator_email: 'operator@example.com',
          role: 'admin',
        },
        usage_stats: { avg_latency_secs: 0 },
      },
      'tool',
    );
  }

  /** `type` is set by the client outside the request schema (Client.js: `{ ...body, type: "new" }`). */
  private secretRequest(body: Json, type: 'new' | 'update', schema: Schema): { name: string; value: string } {
    const { type: given, ...rest } = body;
    if (given !== type) throw new Unprocessable([{ loc: ['body', 'type'], msg: `must be "${type}"` }]);
    this.validRequest(schema, rest);
    return rest as { name: string; value: string };
  }

  private usageOf(webhookId: string): Array<{ usage_type: string }> {
    const usage: Array<{ usage_type: string }> = [];
    if (this.settings.webhooks?.post_call_webhook_id === webhookId) usage.push({ usage_type: 'ConvAI Settings' });
    for (const agent of this.agents.values()) {
      if (agent.platform_settings?.workspace_overrides?.webhooks?.post_call_webhook_id === webhookId) {
        usage.push({ usage_type: 'ConvAI Agent Settings' });
        break;
      }
    }
    return usage;
  }

  /** Cursor paging as the list routes answer it: `next_cursor` and `has_more`. */
  private page(items: unknown[], query: URLSearchParams, field: string, schema: Schema): unknown {
    const size = Math.min(this.maxPageSize, Number(query.get('page_size') ?? 30));
    const start = Number(query.get('cursor') ?? 0);
    const slice = items.slice(start, start + size);
    const more = start + size < items.length;
    return this.checked(
      schema as never,
      { [field]: slice, has_more: more, next_cursor: more ? String(start + size) : null },
      field,
    );
  }

  private validRequest<S extends Schema>(schema: S, body: unknown): RawOf<S> {
    const parsed = schema.parse(body, STRICT);
    if (!parsed.ok) {
      throw new Unprocessable(parsed.errors.map((e) => ({ loc: ['body', ...e.path], msg: e.message })));
    }
    return body as RawOf<S>;
  }

  private checked<S extends Schema>(schema: S, raw: unknown, what: string): RawOf<S> {
    const parsed = schema.parse(raw, LENIENT);
    if (!parsed.ok) throw new Error(`the ${what} is not in the client's shape: ${JSON.stringify(parsed.errors)}`);
    return raw as RawOf<S>;
  }

  private conversationRecord(spec: ConversationSpec): ConversationRaw {
    const transcript: Json[] = [];
    spec.said.forEach((message, i) => {
      transcript.push({
        role: 'agent',
        message: i === 0 ? 'Hello, how can I help?' : 'I see.',
        time_in_call_secs: i * 10,
      });
      transcript.push({ role: 'user', message, time_in_call_secs: i * 10 + 4 });
    });
    const record = {
      agent_id: spec.agentId,
      conversation_id: spec.conversationId,
      status: spec.status ?? 'done',
      user_id: null,
      transcript,
      metadata: {
        start_time_unix_secs: spec.startUnix,
        call_duration_secs: spec.said.length * 10 + 5,
        ...(spec.callerId === undefined
          ? {}
          : {
              phone_call: {
                type: 'twilio',
                direction: 'inbound',
                phone_number_id: 'pn_test',
                agent_number: '+15555550100',
                external_number: spec.callerId,
                stream_sid: `MZ${spec.conversationId}`,
                call_sid: `CA${spec.conversationId}`,
              },
            }),
        main_language: 'en',
      },
      analysis: {
        call_successful: 'success',
        transcript_summary: spec.summary,
        evaluation_criteria_results: {},
        data_collection_results: spec.callerName
          ? { user_name: { data_collection_id: 'user_name', value: spec.callerName, rationale: 'The caller said so.' } }
          : {},
      },
      conversation_initiation_client_data: {
        dynamic_variables: spec.callerId === undefined ? {} : { system__caller_id: spec.callerId },
      },
      has_audio: false,
      has_user_audio: false,
      has_response_audio: false,
      has_auxiliary_audio: false,
    };
    return this.checked(serializers.GetConversationResponseModel, record as unknown as ConversationRaw, 'conversation');
  }

  private resolveHeaders(
    headers: Record<string, unknown> | null | undefined,
    variables: Record<string, string | number | boolean>,
  ): Record<string, string> {
    const resolved: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers ?? {})) {
      if (typeof value === 'string') {
        resolved[name] = value.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, v: string) =>
          String(variables[v] ?? ''),
        );
      } else if (value && typeof value === 'object' && 'secret_id' in value) {
        const secret = this.secrets.get(String((value as Json).secret_id));
        if (!secret) throw new CallRefused(`header ${name} names a workspace secret that does not exist`);
        resolved[name] = secret.value;
      } else if (value && typeof value === 'object' && 'variable_name' in value) {
        const variable = String((value as Json).variable_name);
        if (!(variable in variables))
          throw new CallRefused(`header ${name} names dynamic variable ${variable}, which is not set`);
        resolved[name] = String(variables[variable]);
      }
    }
    return resolved;
  }

  private async post(
    url: string,
    headers: Record<string, string>,
    body: Json,
    method = 'POST',
    timeoutMs = 10_000,
  ): Promise<{ status: number; body: Json }> {
    const response = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: method === 'GET' ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: Json;
    try {
      parsed = text === '' ? {} : (JSON.parse(text) as Json);
    } catch {
      parsed = { text };
    }
    return { status: response.status, body: parsed };
  }

  private id(prefix: string): string {
    return `${prefix}_${(++this.counter).toString(36).padStart(4, '0')}${randomBytes(6).toString('hex')}`;
  }
}

class Unprocessable extends Error {
  constructor(readonly problems: Array<{ loc: unknown[]; msg: string }>) {
    super('unprocessable');
  }
}

class NotFound extends Error {}

/** Platform rules stated in the client's type comments (WebhookToolConfigInput, LiteralJsonSchemaProperty). */
function checkWebhookTool(config: Json): void {
  const timeout = config.response_timeout_secs;
  if (typeof timeout === 'number' && (timeout < TOOL_TIMEOUT_SECS.min || timeout > TOOL_TIMEOUT_SECS.max)) {
    throw new Unprocessable([
      { loc: ['body', 'tool_config', 'response_timeout_secs'], msg: 'must be between 5 and 300' },
    ]);
  }
  const properties = ((config.api_schema as Json)?.request_body_schema as Json | undefined)?.properties as
    Record<string, Json> | undefined;
  for (const [name, property] of Object.entries(properties ?? {})) {
    const sources = VALUE_SOURCES.filter(
      (key) => property[key] !== undefined && property[key] !== null && property[key] !== false,
    );
    if (sources.length > 1) {
      throw new Unprocessable([
        {
          loc: ['body', 'tool_config', 'api_schema', 'request_body_schema', 'properties', name],
          msg: `only one of ${sources.join(', ')} may be set`,
        },
      ]);
    }
  }
}

function summaryOf(conversation: ConversationRaw) {
  return {
    agent_id: conversation.agent_id,
    conversation_id: conversation.conversation_id,
    start_time_unix_secs: conversation.metadata.start_time_unix_secs,
    call_duration_secs: conversation.metadata.call_duration_secs,
    message_count: conversation.transcript.length,
    status: conversation.status,
    call_successful: conversation.analysis?.call_successful ?? 'unknown',
    transcript_summary: conversation.analysis?.transcript_summary ?? null,
  };
}

function numberParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  return value === null ? undefined : Number(value);
}

/** Objects merge key by key; everything else replaces (the assumption docs/elevenlabs-api.md states). */
function merge(target: unknown, patch: unknown): unknown {
  const isObject = (value: unknown): value is Json =>
    value !== null && typeof value === 'object' && !Array.isArray(value);
  if (!isObject(target) || !isObject(patch)) return patch;
  const merged: Json = { ...target };
  for (const [key, value] of Object.entries(patch)) merged[key] = key in merged ? merge(merged[key], value) : value;
  return merged;
}
