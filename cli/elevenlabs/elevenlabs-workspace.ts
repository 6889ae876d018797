import { EXIT, type AdminError } from '../admin-error';
import type { ElevenLabsApi } from './elevenlabs-api';
import {
  fromWire,
  serializers,
  toWire,
  type AgentUpdateWire,
  type AgentWire,
  type ConversationSummaryWire,
  type ConversationWire,
  type SecretWire,
  type ToolRequestWire,
  type ToolWire,
  type WorkspaceSettingsWire,
  type WorkspaceWebhookWire,
} from './wire';

const PAGE_SIZE = 100;

export interface ConversationPage {
  conversations: ConversationSummaryWire[];
  nextCursor?: string;
}

/**
 * The ElevenLabs routes the admin CLI uses, in wire terms (docs/elevenlabs-api.md lists each
 * with its source), each through the official client and the CLI's retry policy.
 */
export class ElevenLabsWorkspace {
  constructor(readonly api: ElevenLabsApi) {}

  private get convai() {
    return this.api.client.conversationalAi;
  }

  /** GET /v1/convai/agents/{agent_id} */
  async getAgent(agentId: string): Promise<AgentWire> {
    const agent = await this.api.call(`GET agent ${agentId}`, () => this.convai.agents.get(agentId));
    return toWire(serializers.GetAgentResponseModel, agent);
  }

  /** PATCH /v1/convai/agents/{agent_id} */
  async updateAgent(agentId: string, patch: AgentUpdateWire): Promise<AgentWire> {
    const request = fromWire(serializers.conversationalAi.UpdateAgentRequest, patch);
    const agent = await this.api.call(`PATCH agent ${agentId}`, () => this.convai.agents.update(agentId, request));
    return toWire(serializers.GetAgentResponseModel, agent);
  }

  /** GET /v1/convai/tools, every page. */
  async listTools(): Promise<ToolWire[]> {
    const tools: ToolWire[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.api.call('GET tools', () => this.convai.tools.list({ pageSize: PAGE_SIZE, cursor }));
      tools.push(...page.tools.map((tool) => toWire(serializers.ToolResponseModel, tool)));
      cursor = page.hasMore ? page.nextCursor : undefined;
    } while (cursor);
    return tools;
  }

  /** GET /v1/convai/tools/{tool_id}; undefined when there is no such tool. */
  async getTool(toolId: string): Promise<ToolWire | undefined> {
    try {
      const tool = await this.api.call(`GET tool ${toolId}`, () => this.convai.tools.get(toolId));
      return toWire(serializers.ToolResponseModel, tool);
    } catch (error) {
      if ((error as AdminError).exitCode === EXIT.notFound) return undefined;
      throw error;
    }
  }

  /** POST /v1/convai/tools */
  async createTool(tool: ToolRequestWire): Promise<ToolWire> {
    const request = fromWire(serializers.ToolRequestModel, tool);
    const created = await this.api.call('POST tool', () => this.convai.tools.create(request));
    return toWire(serializers.ToolResponseModel, created);
  }

  /** PATCH /v1/convai/tools/{tool_id} */
  async updateTool(toolId: string, tool: ToolRequestWire): Promise<ToolWire> {
    const request = fromWire(serializers.ToolRequestModel, tool);
    const updated = await this.api.call(`PATCH tool ${toolId}`, () => this.convai.tools.update(toolId, request));
    return toWire(serializers.ToolResponseModel, updated);
  }

  /** GET /v1/convai/secrets, every page (names and ids; values are write-only). */
  async listSecrets(): Promise<SecretWire[]> {
    const secrets: SecretWire[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.api.call('GET workspace secrets', () =>
        this.convai.secrets.list({ pageSize: PAGE_SIZE, cursor }),
      );
      secrets.push(...page.secrets.map((secret) => toWire(serializers.ConvAiWorkspaceStoredSecretConfig, secret)));
      cursor = page.nextCursor;
    } while (cursor);
    return secrets;
  }

  /** POST /v1/convai/secrets (`type: new`); returns the secret's id. */
  async createSecret(name: string, value: string): Promise<string> {
    const created = await this.api.call(`POST workspace secret ${name}`, () =>
      this.convai.secrets.create({ name, value }),
    );
    return created.secretId;
  }

  /** PATCH /v1/convai/secrets/{secret_id} (`type: update`). */
  async updateSecret(secretId: string, name: string, value: string): Promise<void> {
    await this.api.call(`PATCH workspace secret ${name}`, () => this.convai.secrets.update(secretId, { name, value }));
  }

  /**
   * GET /v1/workspace/webhooks?include_usages=true; usages are shown to workspace admins only,
   * so without them for an API key that may not see them.
   */
  async listWebhooks(): Promise<WorkspaceWebhookWire[]> {
    const list = (includeUsages: boolean) =>
      this.api.call('GET workspace webhooks', () => this.api.client.webhooks.list({ includeUsages }));
    let answer;
    try {
      answer = await list(true);
    } catch (error) {
      if ((error as AdminError).exitCode !== EXIT.noAccess) throw error;
      answer = await list(false);
    }
    return answer.webhooks.map((webhook) => toWire(serializers.WorkspaceWebhookResponseModel, webhook));
  }

  /** POST /v1/workspace/webhooks with HMAC auth; the signing secret is in this answer only. */
  async createWebhook(name: string, url: string): Promise<{ webhookId: string; secret: string }> {
    const created = await this.api.call(`POST workspace webhook ${name}`, () =>
      this.api.client.webhooks.create({ settings: { authType: 'hmac', name, webhookUrl: url } }),
    );
    if (!created.webhookSecret) {
      throw new Error(`ElevenLabs created webhook ${created.webhookId} without returning its signing secret`);
    }
    return { webhookId: created.webhookId, secret: created.webhookSecret };
  }

  /** PATCH /v1/workspace/webhooks/{webhook_id}: enabled, and retried where the platform offers it. */
  async enableWebhook(webhookId: string, name: string): Promise<void> {
    await this.api.call(`PATCH workspace webhook ${name}`, () =>
      this.api.client.webhooks.update(webhookId, { isDisabled: false, name, retryEnabled: true }),
    );
  }

  /** DELETE /v1/workspace/webhooks/{webhook_id} */
  async deleteWebhook(webhookId: string): Promise<void> {
    await this.api.call(`DELETE workspace webhook ${webhookId}`, () => this.api.client.webhooks.delete(webhookId));
  }

  /** GET /v1/convai/settings: the workspace's defaults, which an agent's own settings override. */
  async getWorkspaceSettings(): Promise<WorkspaceSettingsWire> {
    const settings = await this.api.call('GET workspace settings', () => this.convai.settings.get());
    return toWire(serializers.GetConvAiSettingsResponseModel, settings);
  }

  /** GET /v1/convai/conversations: one page of an agent's conversations in a start-time window. */
  async listConversations(query: {
    agentId: string;
    startAfterUnix?: number;
    startBeforeUnix?: number;
    cursor?: string;
  }): Promise<ConversationPage> {
    const page = await this.api.call('GET conversations', () =>
      this.convai.conversations.list({
        agentId: query.agentId,
        callStartAfterUnix: query.startAfterUnix,
        callStartBeforeUnix: query.startBeforeUnix,
        cursor: query.cursor,
        pageSize: PAGE_SIZE,
      }),
    );
    return {
      conversations: page.conversations.map((summary) => toWire(serializers.ConversationSummaryResponseModel, summary)),
      nextCursor: page.hasMore ? page.nextCursor : undefined,
    };
  }

  /** GET /v1/convai/conversations/{conversation_id}: the same shape as the transcription webhook's `data`. */
  async getConversation(conversationId: string): Promise<ConversationWire> {
    const conversation = await this.api.call(`GET conversation ${conversationId}`, () =>
      this.convai.conversations.get(conversationId),
    );
    return toWire(serializers.GetConversationResponseModel, conversation);
  }
}
