import type { RetrieveAuth } from '../lambdas/shared/config';
import type { Deployment, Endpoints } from './deployment';
import {
  WORKSPACE_KEY_HEADER,
  agentFirstMessage,
  agentPrompt,
  agentToolIds,
  effectiveInitiationWebhook,
  effectivePostCallWebhooks,
  enabledOverrides,
  fetchesInitiationData,
  headerNamed,
  inlineWebhookTools,
  secretIdOf,
  subscribedEvents,
} from './elevenlabs/agent-view';
import type { ElevenLabsWorkspace } from './elevenlabs/elevenlabs-workspace';
import { probeEndpoints } from './elevenlabs/endpoint-probes';
import {
  MEMORY_CONTEXT_VARIABLE,
  PRE_CALL_VARIABLES,
  SEARCH_TOOL_NAME,
  SYSTEM_VARIABLE_PREFIX,
  variablesIn,
} from './elevenlabs/prompt-snippet';
import { searchToolProblems, type WebhookToolView } from './elevenlabs/search-tool';
import type { AgentWire } from './elevenlabs/wire';

export interface Finding {
  /** What was checked, e.g. `initiation webhook`, `search tool search_memory (tool_…)`. */
  check: string;
  ok: boolean;
  severity?: 'error' | 'warning';
  /** What is wrong (problems), or what was found (passed checks). */
  detail: string;
  /** How to fix it; problems only. */
  fix?: string;
}

export interface DoctorReport {
  agent: { id: string; name: string };
  deployment: string;
  /** True only when no check found anything wrong. */
  ok: boolean;
  findings: Finding[];
}

export interface DoctorOptions {
  agentId: string;
  /** The URLs ElevenLabs should call for this deployment. */
  endpoints: Endpoints;
  /** The command that fixes most problems, e.g. `agentic-memory connect --agent … --stack …`. */
  connectCommand: string;
}

/** Findings as they are made; a problem's fix defaults to running connect. */
class Findings {
  readonly list: Finding[] = [];

  constructor(readonly connectCommand: string) {}

  pass(check: string, detail: string): void {
    this.list.push({ check, ok: true, detail });
  }

  fail(check: string, severity: 'error' | 'warning', detail: string, fix = `run ${this.connectCommand}`): void {
    this.list.push({ check, ok: false, severity, detail, fix });
  }

  /** Problems found since `mark` (a length of `list`). */
  problemsSince(mark: number): number {
    return this.list.slice(mark).filter((finding) => !finding.ok).length;
  }
}

/** Failed deliveries older than this are history, not a present problem. */
const RECENT_FAILURE_SECONDS = 24 * 3600;

/**
 * Every way the pair (agent, deployment) is broken or unsafe, one finding each with its fix;
 * and each check that passed, with what it found. Reads only: the agent, the workspace's
 * settings, tools, secrets and webhooks, and the deployment's endpoints (probes that write nothing).
 */
export async function diagnose(
  workspace: ElevenLabsWorkspace,
  deployment: Deployment,
  options: DoctorOptions,
): Promise<DoctorReport> {
  const { endpoints, connectCommand } = options;
  const agent = await workspace.getAgent(options.agentId);
  const [settings, secrets, webhooks, integration] = await Promise.all([
    workspace.getWorkspaceSettings(),
    workspace.listSecrets(),
    workspace.listWebhooks(),
    deployment.integration(),
  ]);
  const retrieveAuth = deployment.configuration.retrieveAuth;
  const secretIds = new Set(secrets.map((secret) => secret.secret_id));
  const findings = new Findings(connectCommand);
  const pass = findings.pass.bind(findings);
  const fail = findings.fail.bind(findings);

  // The pre-call: ElevenLabs calls it, with the workspace key, and uses what it answers.
  const initiation = effectiveInitiationWebhook(agent, settings);
  const check = 'initiation webhook';
  if (!initiation) {
    fail(check, 'error', 'none is set (neither on the agent nor for the workspace): no caller is recognised');
  } else {
    const { webhook, source } = initiation;
    const where = source === 'agent' ? "the agent's" : "the workspace's";
    const key = headerNamed(webhook.request_headers, WORKSPACE_KEY_HEADER);
    const keySecret = secretIdOf(key?.value);
    if (webhook.url !== endpoints.clientData) {
      fail(check, 'error', `${where} calls ${webhook.url}, not this deployment's ${endpoints.clientData}`);
    } else if (key === undefined) {
      fail(check, 'error', `${where} sends no ${WORKSPACE_KEY_HEADER} header: the pre-call refuses it (401)`);
    } else if (typeof key.value === 'string') {
      fail(
        check,
        'warning',
        `${where} has the workspace key typed into its settings in plain text, not a workspace secret`,
      );
    } else if (keySecret !== undefined && !secretIds.has(keySecret)) {
      fail(check, 'error', `${where} sends ${key.name} from workspace secret ${keySecret}, which does not exist`);
    } else {
      pass(check, `${where}: ${webhook.url}, ${key.name} from a workspace secret`);
    }
  }
  if (fetchesInitiationData(agent)) pass('initiation data', 'the agent fetches it from the webhook');
  else
    fail(
      'initiation data',
      'error',
      'the agent does not fetch initiation data from the webhook: no caller is recognised',
    );

  checkOverrides(agent, integration.overrides, findings);
  checkPromptVariables(agent, integration.overrides.prompt, findings);
  await checkSearchTools(workspace, agent, { url: endpoints.retrieve, retrieveAuth, secretIds }, findings);
  checkPostCallWebhook(agent, settings, webhooks, endpoints.postCall, integration.downloadsRecordings, findings, {
    local: deployment.name === 'local',
  });

  const keys = await deployment.endpointKeys();
  const local = deployment.name === 'local';
  for (const probe of await probeEndpoints(endpoints, keys, retrieveAuth)) {
    if (probe.ok) {
      pass(`endpoint ${probe.name}`, probe.detail);
    } else if (probe.problem === 'other-key') {
      fail(
        `endpoint ${probe.name}`,
        'error',
        probe.detail,
        local
          ? 'restart the local stack (npm start): it still runs with the keys it read when it started'
          : 'warm functions keep a secret for up to 5 minutes after it changes: wait, then run doctor again',
      );
    } else {
      fail(
        `endpoint ${probe.name}`,
        'error',
        probe.detail,
        local
          ? 'start the local stack (npm start) and make sure the public URL reaches it'
          : `check the stack (agentic-memory status --stack ${deployment.name}) and its API Gateway`,
      );
    }
  }
  return {
    agent: { id: agent.agent_id, name: agent.name },
    deployment: deployment.description,
    ok: findings.list.every((finding) => finding.ok),
    findings: findings.list,
  };
}

function checkOverrides(agent: AgentWire, sent: { firstMessage: boolean; prompt: boolean }, findings: Findings): void {
  const { pass, fail } = bound(findings);
  const enabled = enabledOverrides(agent);
  const check = 'overrides';
  let ok = true;
  if (sent.firstMessage && !enabled.firstMessage) {
    fail(
      check,
      'error',
      'the pre-call sends a first message, but the agent does not allow that override: ElevenLabs refuses the call',
    );
    ok = false;
  }
  if (sent.prompt && !enabled.prompt) {
    fail(
      check,
      'error',
      'the pre-call sends a prompt, but the agent does not allow that override: ElevenLabs refuses the call',
    );
    ok = false;
  }
  if (!sent.prompt && enabled.prompt) {
    fail(
      check,
      'warning',
      'the prompt override is allowed but the deployment never sends one: anyone starting a conversation with this agent could replace its instructions',
    );
    ok = false;
  }
  if (ok) {
    const names = [sent.firstMessage && 'first message', sent.prompt && 'prompt'].filter(Boolean);
    pass(
      check,
      names.length > 0 ? `the agent allows what the pre-call sends (${names.join(', ')})` : 'the pre-call sends none',
    );
  }
}

function checkPromptVariables(agent: AgentWire, promptOverridden: boolean, findings: Findings): void {
  const { pass, fail } = bound(findings);
  const used = variablesIn(`${agentPrompt(agent)}\n${agentFirstMessage(agent)}`);
  const missing = used.filter((name) => !name.startsWith(SYSTEM_VARIABLE_PREFIX) && !PRE_CALL_VARIABLES.includes(name));
  if (missing.length > 0) {
    fail(
      'prompt variables',
      'error',
      `the prompt or first message uses ${missing.map((name) => `{{${name}}}`).join(', ')}, which the pre-call does not send: ElevenLabs fails every call ("Missing required dynamic variables")`,
      `remove them from the agent's prompt and first message; the pre-call sends ${PRE_CALL_VARIABLES.filter((name) => !name.startsWith('secret__')).join(', ')}`,
    );
  } else {
    pass('prompt variables', used.length > 0 ? `all sent by the pre-call: ${used.join(', ')}` : 'none used');
  }
  if (!promptOverridden && !used.includes(MEMORY_CONTEXT_VARIABLE)) {
    fail(
      'memory in the prompt',
      'warning',
      `the agent's prompt does not include {{${MEMORY_CONTEXT_VARIABLE}}}: the agent never sees what it remembers of the caller`,
    );
  } else {
    pass(
      'memory in the prompt',
      promptOverridden ? 'the pre-call sends the prompt' : `{{${MEMORY_CONTEXT_VARIABLE}}} is in it`,
    );
  }
}

async function checkSearchTools(
  workspace: ElevenLabsWorkspace,
  agent: AgentWire,
  expected: { url: string; retrieveAuth: RetrieveAuth; secretIds: ReadonlySet<string> },
  findings: Findings,
): Promise<void> {
  const { pass, fail } = bound(findings);
  const isSearchTool = (tool: WebhookToolView) =>
    tool.type === 'webhook' && (tool.name === SEARCH_TOOL_NAME || tool.api_schema?.url === expected.url);
  const candidates: Array<{ label: string; tool: WebhookToolView }> = [];
  for (const id of agentToolIds(agent)) {
    const tool = await workspace.getTool(id);
    const config = tool?.tool_config as WebhookToolView | undefined;
    if (config && isSearchTool(config)) candidates.push({ label: `tool ${config.name} (${id})`, tool: config });
  }
  for (const tool of inlineWebhookTools(agent)) {
    const config = tool as WebhookToolView;
    if (isSearchTool(config)) candidates.push({ label: `tool ${config.name} (in the prompt)`, tool: config });
  }
  if (candidates.length === 0) {
    fail('search tool', 'error', `the agent has no ${SEARCH_TOOL_NAME} tool: it cannot look up earlier calls`);
    return;
  }
  for (const { label, tool } of candidates) {
    const problems = searchToolProblems(tool, expected);
    for (const problem of problems) fail(label, problem.severity, problem.problem);
    if (problems.length === 0) pass(label, `${tool.api_schema?.url}, the per-call memory token, user_id from the call`);
  }
}

function checkPostCallWebhook(
  agent: AgentWire,
  settings: Parameters<typeof effectivePostCallWebhooks>[1],
  webhooks: Array<{
    webhook_id: string;
    name: string;
    webhook_url: string;
    auth_type: string;
    is_disabled: boolean;
    is_auto_disabled: boolean;
    most_recent_failure_error_code?: number | null;
    most_recent_failure_timestamp?: number | null;
  }>,
  postCallUrl: string,
  downloadsRecordings: boolean,
  findings: Findings,
  deployment: { local: boolean },
): void {
  const { pass, fail } = bound(findings);
  const check = 'post-call webhook';
  const effective = effectivePostCallWebhooks(agent, settings);
  if (!effective) {
    fail(check, 'error', 'none is set (neither on the agent nor for the workspace): calls are never remembered');
    return;
  }
  const { webhooks: subscription, source } = effective;
  const where = source === 'agent' ? "the agent's" : "the workspace's";
  const webhook = webhooks.find((candidate) => candidate.webhook_id === subscription.post_call_webhook_id);
  if (!webhook) {
    fail(check, 'error', `${where} names webhook ${subscription.post_call_webhook_id}, which does not exist`);
    return;
  }
  const label = `${check} "${webhook.name}"`;
  const mark = findings.list.length;
  if (webhook.webhook_url !== postCallUrl) {
    fail(label, 'error', `delivers to ${webhook.webhook_url}, not this deployment's ${postCallUrl}`);
  }
  if (webhook.auth_type !== 'hmac')
    fail(label, 'error', `authenticates with ${webhook.auth_type}, not an HMAC signature`);
  if (webhook.is_auto_disabled) {
    fail(
      label,
      'error',
      'ElevenLabs disabled it after repeated failed deliveries: calls are not delivered',
      `find the cause (agentic-memory status; the endpoint check below), then run the connect command again to re-enable it`,
    );
  } else if (webhook.is_disabled) {
    fail(label, 'error', 'is disabled: calls are not delivered');
  }
  const events = subscribedEvents(subscription);
  if (!events.has('transcript'))
    fail(label, 'error', `${where} subscription lacks transcripts: calls are never remembered`);
  if (!downloadsRecordings && !events.has('audio')) {
    fail(
      label,
      'warning',
      'recordings are neither downloaded by the deployment nor sent as audio webhooks: none is archived',
    );
  }
  if (downloadsRecordings && events.has('audio')) {
    fail(
      label,
      'warning',
      'audio webhooks are sent although the deployment downloads recordings: audio of longer calls exceeds what the endpoint accepts, and those deliveries fail',
    );
  }
  if ((subscription.transcript_format ?? 'json') !== 'json') {
    fail(label, 'error', `transcripts are sent as ${subscription.transcript_format}, not JSON: they cannot be read`);
  }
  if (subscription.exclude_transcript === true)
    fail(label, 'error', 'transcripts are sent without the conversation turns');
  const failedAt = webhook.most_recent_failure_timestamp;
  if (webhook.most_recent_failure_error_code && failedAt && Date.now() / 1000 - failedAt < RECENT_FAILURE_SECONDS) {
    const code = webhook.most_recent_failure_error_code;
    const at = new Date(failedAt * 1000).toISOString();
    if (code === 401) {
      fail(
        label,
        'error',
        `a delivery at ${at} was refused (401): the deployment's HMAC key is not this webhook's signing secret`,
        deployment.local
          ? `restart the local stack (npm start) if connect stored a new key since it started; otherwise run ${findings.connectCommand} --rotate-webhook-secret`
          : `run ${findings.connectCommand} --rotate-webhook-secret`,
      );
    } else {
      fail(
        label,
        'warning',
        `a delivery at ${at} failed with HTTP ${code}`,
        'see agentic-memory status and the post-call logs',
      );
    }
  }
  if (findings.problemsSince(mark) === 0) {
    pass(label, `${webhook.webhook_url}, HMAC, ${[...events].join(', ')} (${where} setting)`);
  }
}

function bound(findings: Findings) {
  return { pass: findings.pass.bind(findings), fail: findings.fail.bind(findings) };
}
