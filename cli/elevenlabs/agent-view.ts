import type {
  AgentWire,
  InitiationWebhookWire,
  PostCallWebhooksWire,
  WebhookToolConfigWire,
  WorkspaceSettingsWire,
} from './wire';

/**
 * Reading an agent's settings the way ElevenLabs applies them (field names as on the wire,
 * docs/elevenlabs-api.md): what the agent says itself, and where it says nothing, the
 * workspace's defaults (the settings page "Agents Platform settings").
 */
export const WORKSPACE_KEY_HEADER = 'X-Workspace-Key';

export function agentPrompt(agent: AgentWire): string {
  return agent.conversation_config.agent?.prompt?.prompt ?? '';
}

export function agentFirstMessage(agent: AgentWire): string {
  return agent.conversation_config.agent?.first_message ?? '';
}

export function agentToolIds(agent: AgentWire): string[] {
  return agent.conversation_config.agent?.prompt?.tool_ids ?? [];
}

/** Tools defined inside the prompt (the older way, `prompt.tools`); webhook ones only. */
export function inlineWebhookTools(agent: AgentWire): WebhookToolConfigWire[] {
  const tools = (agent.conversation_config.agent?.prompt?.tools ?? []) as Array<{ type?: string }>;
  return tools.filter((tool) => tool.type === 'webhook') as unknown as WebhookToolConfigWire[];
}

export function placeholders(agent: AgentWire): Record<string, unknown> {
  const config = agent.conversation_config.agent?.dynamic_variables as
    { dynamic_variable_placeholders?: Record<string, unknown> | null } | null | undefined;
  return config?.dynamic_variable_placeholders ?? {};
}

export function fetchesInitiationData(agent: AgentWire): boolean {
  return agent.platform_settings?.overrides?.enable_conversation_initiation_client_data_from_webhook === true;
}

/** The override switches of the agent's Security tab that the pre-call can use. */
export function enabledOverrides(agent: AgentWire): { firstMessage: boolean; prompt: boolean } {
  const agentOverrides = agent.platform_settings?.overrides?.conversation_config_override?.agent;
  return { firstMessage: agentOverrides?.first_message === true, prompt: agentOverrides?.prompt?.prompt === true };
}

export type SettingSource = 'agent' | 'workspace';

/** The conversation-initiation webhook the agent calls: its own, or else the workspace's. */
export function effectiveInitiationWebhook(
  agent: AgentWire,
  workspace: WorkspaceSettingsWire,
): { webhook: InitiationWebhookWire; source: SettingSource } | undefined {
  const own = agent.platform_settings?.workspace_overrides?.conversation_initiation_client_data_webhook;
  if (own) return { webhook: own, source: 'agent' };
  const shared = workspace.conversation_initiation_client_data_webhook;
  return shared ? { webhook: shared, source: 'workspace' } : undefined;
}

/** The post-call webhook settings of the agent: its own, or else the workspace's. */
export function effectivePostCallWebhooks(
  agent: AgentWire,
  workspace: WorkspaceSettingsWire,
): { webhooks: PostCallWebhooksWire; source: SettingSource } | undefined {
  const own = agent.platform_settings?.workspace_overrides?.webhooks;
  if (own?.post_call_webhook_id) return { webhooks: own, source: 'agent' };
  const shared = workspace.webhooks;
  return shared?.post_call_webhook_id ? { webhooks: shared, source: 'workspace' } : undefined;
}

/** The events an agent's post-call webhook delivers; `send_audio` is the older spelling of `audio`. */
export function subscribedEvents(webhooks: PostCallWebhooksWire): Set<string> {
  const events = new Set<string>(webhooks.events ?? []);
  if (webhooks.send_audio === true) events.add('audio');
  return events;
}

/** A header value: a literal, or a locator of a workspace secret or a dynamic variable. */
export type HeaderValue = string | { secret_id: string } | { variable_name: string } | { env_var_label: string };

/** The header of that name (HTTP header names are case-insensitive), with the name as spelled. */
export function headerNamed(
  headers: Record<string, unknown> | null | undefined,
  name: string,
): { name: string; value: HeaderValue } | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() === name.toLowerCase()) return { name: key, value: value as HeaderValue };
  }
  return undefined;
}

export function secretIdOf(value: HeaderValue | undefined): string | undefined {
  return value !== undefined && typeof value === 'object' && 'secret_id' in value ? value.secret_id : undefined;
}
