import type { Deployment, Endpoints } from './deployment';
import {
  WORKSPACE_KEY_HEADER,
  agentPrompt,
  agentToolIds,
  enabledOverrides,
  fetchesInitiationData,
  headerNamed,
  inlineWebhookTools,
  placeholders,
} from './elevenlabs/agent-view';
import type { ElevenLabsWorkspace } from './elevenlabs/elevenlabs-workspace';
import { deepMerge, sameJson } from './elevenlabs/json-merge';
import {
  MEMORY_CONTEXT_VARIABLE,
  SEARCH_TOOL_NAME,
  variablesIn,
  withMemorySnippet,
  MEMORY_SNIPPET,
} from './elevenlabs/prompt-snippet';
import { needsRetrieveKey, sameTool, searchToolDefinition, type WebhookToolView } from './elevenlabs/search-tool';
import { settingsDiff } from './elevenlabs/settings-diff';
import type { AgentUpdateWire, AgentWire, PostCallWebhooksWire, WorkspaceWebhookWire } from './elevenlabs/wire';

export interface ConnectOptions {
  agentId: string;
  /** The URLs ElevenLabs is to call: the stack's, or the local stack's public ones. */
  endpoints: Endpoints;
  dryRun: boolean;
  /** Create a new post-call webhook (and store its signing secret) even if this deployment has one. */
  rotateWebhookSecret: boolean;
}

export interface ConnectReport {
  agentName: string;
  /** What was (or, in a dry run, would be) done outside the agent's settings, one line each. */
  changes: string[];
  /** Write-only values written again every run (workspace secrets), so a rotated key reaches ElevenLabs. */
  refreshed: string[];
  /** The agent's settings, before → after, one line per setting (settings-diff.ts). */
  agentDiff: string[];
  /** What the operator should know or do next. */
  notes: string[];
}

/** Names of what connect creates in the workspace, per deployment (several can share a workspace). */
export function resourceNames(deploymentName: string) {
  const slug =
    deploymentName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'deployment';
  return {
    workspaceKeySecret: `agentic_memory_${slug}_workspace_key`,
    retrieveKeySecret: `agentic_memory_${slug}_retrieve_key`,
    webhook: `AgenticMemory post-call (${deploymentName})`,
  };
}

/** A webhook connect is creating: renamed to its final name only once its secret is stored. */
const PENDING_SUFFIX = ' [pending]';
const POST_CALL_EVENTS = { transcript: 'transcript', audio: 'audio' } as const;
/** Values for testing the agent in the ElevenLabs dashboard, where no pre-call runs (a first-time caller). */
const SNIPPET_PLACEHOLDERS: Record<string, string> = { memory_context: '', returning_caller: 'no', caller_name: '' };

/**
 * Makes an ElevenLabs agent use this deployment: workspace secrets for its keys, the post-call
 * webhook (its signing secret stored straight into the deployment), the `search_memory` tool, and
 * the agent's own settings (initiation webhook, overrides, post-call subscription, prompt snippet).
 * Every step first compares, so a second run changes nothing; a dry run only reads.
 */
export async function connectAgent(
  workspace: ElevenLabsWorkspace,
  deployment: Deployment,
  options: ConnectOptions,
): Promise<ConnectReport> {
  const { endpoints, dryRun } = options;
  const integration = await deployment.integration();
  const retrieveAuth = deployment.configuration.retrieveAuth;
  const keys = await deployment.endpointKeys();
  const agent = await workspace.getAgent(options.agentId);
  const names = resourceNames(deployment.name);
  const report: ConnectReport = {
    agentName: agent.name,
    changes: [],
    refreshed: [],
    agentDiff: [],
    notes: [`The deployment's settings were read from ${integration.source}.`],
  };
  const act = async <T>(change: string, work: () => Promise<T>, placeholder: T): Promise<T> => {
    report.changes.push(change);
    return dryRun ? placeholder : work();
  };

  // 1. The keys ElevenLabs sends, as workspace secrets (write-only: always written).
  const secrets = await workspace.listSecrets();
  const ensureSecret = async (name: string, value: string, what: string): Promise<string> => {
    const existing = secrets.find((secret) => secret.name === name);
    if (!existing) {
      return act(
        `create workspace secret ${name} (${what})`,
        () => workspace.createSecret(name, value),
        `(new secret ${name})`,
      );
    }
    report.refreshed.push(`workspace secret ${name} (${what})`);
    if (!dryRun) await workspace.updateSecret(existing.secret_id, name, value);
    return existing.secret_id;
  };
  const workspaceKeySecretId = await ensureSecret(names.workspaceKeySecret, keys.workspaceKey, 'the workspace key');
  const retrieveKeySecretId = needsRetrieveKey(retrieveAuth)
    ? await ensureSecret(names.retrieveKeySecret, keys.retrieveApiKey, 'the retrieve key')
    : undefined;

  // 2. The post-call webhook, whose signing secret only its creation answer carries.
  const webhookId = await ensurePostCallWebhook(workspace, deployment, agent, options, names.webhook, report, act);

  // 3. The search tool.
  const tools = await ensureSearchTool(workspace, agent, endpoints.retrieve, retrieveKeySecretId, report, act);

  // 4. The agent's own settings.
  const patch = agentPatch(agent, {
    endpoints,
    workspaceKeySecretId,
    webhookId,
    toolIds: tools.toolIds,
    inlineToolsKept: tools.inlineToolsKept,
    overrides: integration.overrides,
    audioWebhooks: !integration.downloadsRecordings,
  });
  const foreign = foreignInitiationHeaders(agent, endpoints.clientData);
  if (foreign.length > 0) {
    report.notes.push(
      `The initiation webhook pointed at another URL and also sends ${foreign.join(', ')}: these headers now reach this deployment too (the API cannot remove them). Delete them in the agent's settings if they were meant for another service.`,
    );
  }
  const snippet = withMemorySnippet(agentPrompt(agent));
  if (snippet.change === 'own') {
    report.notes.push(
      `The agent's prompt already uses {{${MEMORY_CONTEXT_VARIABLE}}} outside agentic-memory markers: it was left as it is.`,
    );
  }
  if (integration.overrides.prompt) {
    report.notes.push(
      "The deployment sends a prompt override (a base prompt template is configured): on calls it replaces the agent's own prompt.",
    );
  }
  if (patch) {
    const after = dryRun ? deepMerge(agent, patch) : await workspace.updateAgent(options.agentId, patch);
    report.agentDiff = settingsDiff(settingsOf(agent), settingsOf(after));
  }
  return report;
}

type Act = <T>(change: string, work: () => Promise<T>, placeholder: T) => Promise<T>;

async function ensurePostCallWebhook(
  workspace: ElevenLabsWorkspace,
  deployment: Deployment,
  agent: AgentWire,
  options: ConnectOptions,
  name: string,
  report: ConnectReport,
  act: Act,
): Promise<string> {
  const url = options.endpoints.postCall;
  const webhooks = await workspace.listWebhooks();
  const pointsHere = (webhook: WorkspaceWebhookWire) => webhook.webhook_url === url && webhook.auth_type === 'hmac';
  // Ours: made by connect for this deployment. After a rotation there can be several: the one the
  // agent uses, else the newest (the last secret stored).
  const current = agent.platform_settings?.workspace_overrides?.webhooks?.post_call_webhook_id;
  const candidates = webhooks
    .filter((webhook) => pointsHere(webhook) && webhook.name === name)
    .sort((a, b) => b.created_at_unix - a.created_at_unix);
  const ours = options.rotateWebhookSecret
    ? undefined
    : (candidates.find((webhook) => webhook.webhook_id === current) ?? candidates[0]);
  if (ours) {
    if (ours.is_disabled || ours.is_auto_disabled) {
      await act(
        `re-enable workspace webhook "${name}" (${ours.is_auto_disabled ? 'ElevenLabs disabled it after repeated failures' : 'it was disabled'})`,
        () => workspace.enableWebhook(ours.webhook_id, name),
        undefined,
      );
    }
    return ours.webhook_id;
  }
  if (options.rotateWebhookSecret && candidates.length > 0) {
    report.notes.push(
      `The previous webhook "${name}" (${candidates.map((webhook) => webhook.webhook_id).join(', ')}) is signed with a secret the deployment no longer holds: run connect for every other agent of this deployment, then delete it in the ElevenLabs settings.`,
    );
  }
  const others = webhooks.filter(
    (webhook) => pointsHere(webhook) && (webhook.usage?.length ?? 0) > 0 && !candidates.includes(webhook),
  );
  for (const other of others) {
    report.notes.push(
      `Workspace webhook "${other.name}" also delivers to ${url} (used by ${other.usage?.map((u) => u.usage_type).join(', ')}), signed with a secret this deployment will not hold: its deliveries will be refused. Point its users at "${name}", or delete it.`,
    );
  }
  return act(
    `create workspace webhook "${name}" → ${url} (HMAC), store its signing secret in the deployment's HMAC key, turn on retries`,
    async () => {
      // Created under a pending name: if storing the secret fails or the run dies before it is
      // stored, the next run does not mistake this webhook for one whose secret the deployment holds.
      const created = await workspace.createWebhook(`${name}${PENDING_SUFFIX}`, url);
      let stored: string;
      try {
        stored = await deployment.secrets.set('hmacKey', created.secret);
      } catch (error) {
        await workspace.deleteWebhook(created.webhookId).catch(() => undefined);
        throw error;
      }
      await workspace.enableWebhook(created.webhookId, name);
      report.notes.push(`The new webhook's signing secret was ${stored}.`);
      return created.webhookId;
    },
    '(new webhook)',
  );
}

async function ensureSearchTool(
  workspace: ElevenLabsWorkspace,
  agent: AgentWire,
  url: string,
  retrieveKeySecretId: string | undefined,
  report: ConnectReport,
  act: Act,
): Promise<{ toolIds: string[]; inlineToolsKept?: unknown[] }> {
  const definition = searchToolDefinition({ url, retrieveKeySecretId });
  const isSearchTool = (tool: WebhookToolView) =>
    tool.type === 'webhook' && (tool.name === SEARCH_TOOL_NAME || tool.api_schema?.url === url);

  const attachedIds = agentToolIds(agent);
  const attached: Array<{ id: string; config: WebhookToolView }> = [];
  for (const id of attachedIds) {
    const tool = await workspace.getTool(id);
    if (tool && isSearchTool(tool.tool_config as WebhookToolView))
      attached.push({ id, config: tool.tool_config as WebhookToolView });
  }
  let toolId: string;
  const here = attached.find((tool) => tool.config.api_schema?.url === url);
  if (here) {
    toolId = here.id;
    if (!sameTool(here.config, definition.tool_config as WebhookToolView)) {
      await act(
        `update tool ${SEARCH_TOOL_NAME} (${toolId}) → ${url}`,
        () => workspace.updateTool(toolId, definition),
        undefined,
      );
    }
  } else {
    const reusable = (await workspace.listTools()).find(
      (tool) =>
        tool.tool_config.type === 'webhook' &&
        (tool.tool_config as WebhookToolView).name === SEARCH_TOOL_NAME &&
        (tool.tool_config as WebhookToolView).api_schema?.url === url,
    );
    if (reusable) {
      toolId = reusable.id;
      if (!sameTool(reusable.tool_config as WebhookToolView, definition.tool_config as WebhookToolView)) {
        await act(
          `update tool ${SEARCH_TOOL_NAME} (${toolId}) → ${url}`,
          () => workspace.updateTool(toolId, definition),
          undefined,
        );
      }
    } else {
      toolId = await act(
        `create tool ${SEARCH_TOOL_NAME} → ${url}`,
        async () => (await workspace.createTool(definition)).id,
        '(new tool)',
      );
    }
  }
  // Search tools of this agent that call somewhere else are detached from it (they stay in the workspace).
  const detached = attached.filter((tool) => tool.id !== toolId).map((tool) => tool.id);
  for (const id of detached)
    report.notes.push(`Tool ${id} (a search tool calling elsewhere) was detached from this agent.`);
  const toolIds = attachedIds.filter((id) => !detached.includes(id));
  if (!toolIds.includes(toolId)) toolIds.push(toolId);

  const inline = (agent.conversation_config.agent?.prompt?.tools ?? []) as unknown[];
  const stale = inlineWebhookTools(agent).filter((tool) => isSearchTool(tool as WebhookToolView));
  if (stale.length === 0) return { toolIds };
  report.notes.push(
    `${stale.length} search tool(s) defined inside the prompt were replaced by the ${SEARCH_TOOL_NAME} tool.`,
  );
  return { toolIds, inlineToolsKept: inline.filter((tool) => !stale.includes(tool as never)) };
}

interface AgentTarget {
  endpoints: Endpoints;
  workspaceKeySecretId: string;
  webhookId: string;
  toolIds: string[];
  /** The prompt's inline tools without the stale search tools; undefined when none were removed. */
  inlineToolsKept?: unknown[];
  overrides: { firstMessage: boolean; prompt: boolean };
  audioWebhooks: boolean;
}

/**
 * The smallest update that makes the agent use the deployment: only settings that differ, each
 * object sent with just those keys (the update merges objects key by key; docs/elevenlabs-api.md).
 * Undefined when nothing differs.
 */
export function agentPatch(agent: AgentWire, target: AgentTarget): AgentUpdateWire | undefined {
  const prompt: Record<string, unknown> = {};
  const snippet = withMemorySnippet(agentPrompt(agent));
  if (snippet.prompt !== agentPrompt(agent)) prompt.prompt = snippet.prompt;
  if (!sameJson(agentToolIds(agent), target.toolIds)) prompt.tool_ids = target.toolIds;
  if (target.inlineToolsKept) prompt.tools = target.inlineToolsKept;

  const agentSettings: Record<string, unknown> = {};
  if (Object.keys(prompt).length > 0) agentSettings.prompt = prompt;
  const present = placeholders(agent);
  const missing = variablesIn(MEMORY_SNIPPET).filter((name) => !(name in present) && name in SNIPPET_PLACEHOLDERS);
  if (missing.length > 0) {
    agentSettings.dynamic_variables = {
      dynamic_variable_placeholders: Object.fromEntries(missing.map((name) => [name, SNIPPET_PLACEHOLDERS[name]])),
    };
  }

  const overrides: Record<string, unknown> = {};
  if (!fetchesInitiationData(agent)) overrides.enable_conversation_initiation_client_data_from_webhook = true;
  const enabled = enabledOverrides(agent);
  const overrideAgent: Record<string, unknown> = {};
  if (enabled.firstMessage !== target.overrides.firstMessage)
    overrideAgent.first_message = target.overrides.firstMessage;
  if (enabled.prompt !== target.overrides.prompt) overrideAgent.prompt = { prompt: target.overrides.prompt };
  if (Object.keys(overrideAgent).length > 0) overrides.conversation_config_override = { agent: overrideAgent };

  const workspaceOverrides: Record<string, unknown> = {};
  const initiation = initiationWebhookTarget(agent, target);
  if (initiation) workspaceOverrides.conversation_initiation_client_data_webhook = initiation;
  const webhooks = postCallWebhooksPatch(agent.platform_settings?.workspace_overrides?.webhooks ?? {}, target);
  if (webhooks) workspaceOverrides.webhooks = webhooks;

  const platformSettings: Record<string, unknown> = {};
  if (Object.keys(overrides).length > 0) platformSettings.overrides = overrides;
  if (Object.keys(workspaceOverrides).length > 0) platformSettings.workspace_overrides = workspaceOverrides;

  const patch: Record<string, unknown> = {};
  if (Object.keys(agentSettings).length > 0) patch.conversation_config = { agent: agentSettings };
  if (Object.keys(platformSettings).length > 0) patch.platform_settings = platformSettings;
  return Object.keys(patch).length > 0 ? (patch as AgentUpdateWire) : undefined;
}

/**
 * The agent's initiation webhook: the deployment's URL, the workspace key from its secret. The
 * webhook is one object (URL and headers are both required), sent whole when anything differs.
 * Its other headers are kept: an update merges maps key by key, so it cannot remove one.
 */
function initiationWebhookTarget(agent: AgentWire, target: AgentTarget) {
  const current = agent.platform_settings?.workspace_overrides?.conversation_initiation_client_data_webhook;
  const kept = Object.entries(current?.request_headers ?? {}).filter(
    ([name]) => name.toLowerCase() !== WORKSPACE_KEY_HEADER.toLowerCase(),
  );
  const desired = {
    url: target.endpoints.clientData,
    request_headers: {
      ...Object.fromEntries(kept),
      [WORKSPACE_KEY_HEADER]: { secret_id: target.workspaceKeySecretId },
    },
  };
  const same =
    current?.url === desired.url &&
    sameJson(headerNamed(current.request_headers, WORKSPACE_KEY_HEADER)?.value, {
      secret_id: target.workspaceKeySecretId,
    });
  return same ? undefined : desired;
}

/** Headers the initiation webhook sends besides the workspace key, when it pointed elsewhere before. */
export function foreignInitiationHeaders(agent: AgentWire, clientDataUrl: string): string[] {
  const current = agent.platform_settings?.workspace_overrides?.conversation_initiation_client_data_webhook;
  if (!current || current.url === clientDataUrl) return [];
  return Object.keys(current.request_headers ?? {}).filter(
    (name) => name.toLowerCase() !== WORKSPACE_KEY_HEADER.toLowerCase(),
  );
}

/** The agent's post-call subscription: our webhook, transcripts as JSON, audio only where it is not downloaded. */
function postCallWebhooksPatch(
  current: PostCallWebhooksWire,
  target: AgentTarget,
): Partial<PostCallWebhooksWire> | undefined {
  const patch: Record<string, unknown> = {};
  if (current.post_call_webhook_id !== target.webhookId) patch.post_call_webhook_id = target.webhookId;
  const events = [...(current.events ?? [])].filter(
    (event) => event !== POST_CALL_EVENTS.audio || target.audioWebhooks,
  );
  if (!events.includes(POST_CALL_EVENTS.transcript)) events.push(POST_CALL_EVENTS.transcript);
  if (target.audioWebhooks && !events.includes(POST_CALL_EVENTS.audio)) events.push(POST_CALL_EVENTS.audio);
  if (!sameJson([...(current.events ?? [])].sort(), [...events].sort())) patch.events = events;
  if ((current.transcript_format ?? 'json') !== 'json') patch.transcript_format = 'json';
  if (current.exclude_transcript === true) patch.exclude_transcript = false;
  if (typeof current.send_audio === 'boolean' && current.send_audio !== target.audioWebhooks) {
    patch.send_audio = target.audioWebhooks;
  }
  return Object.keys(patch).length > 0 ? (patch as Partial<PostCallWebhooksWire>) : undefined;
}

function settingsOf(agent: AgentWire) {
  return { conversation_config: agent.conversation_config, platform_settings: agent.platform_settings };
}
