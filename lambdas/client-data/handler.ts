import type { Archive } from '../shared/archive';
import { clientDataKey } from '../shared/archive';
import {
  identityInScope,
  mintMemoryToken,
  redactIdentity,
  type CallerId,
  type IdentityOutcome,
} from '../shared/caller';
import type { ClientDataSettings, Secrets } from '../shared/config';
import {
  NO_MEMORY,
  callerName,
  greeting,
  isReturning,
  memoryContext,
  memorySummary,
  promptFromTemplate,
  readCallerMemory,
  type CallerMemory,
} from '../shared/context';
import { withDeadline } from '../shared/deadline';
import { initiationRequestSchema, type InitiationRequest } from '../shared/elevenlabs/initiation-request';
import {
  initiationResponse,
  type ConversationInitiationClientData,
  type DynamicVariables,
} from '../shared/elevenlabs/initiation-response';
import {
  httpEndpoint,
  jsonResponse,
  parseJsonObject,
  readRequest,
  readSecret,
  type SourceAllowList,
  requireKeyHeader,
  validate,
  type HttpEndpoint,
} from '../shared/http';
import { redactedMessage } from '../shared/logging';
import type { MemoryStore } from '../shared/memory';
import { METRIC, MetricUnit, elapsedMs, type Powertools } from '../shared/powertools';

export const WORKSPACE_KEY_HEADER = 'X-Workspace-Key';
const MAX_BODY_BYTES = 16 * 1024;
/** The caller is ringing: an archive write that hangs must not hold the answer for long. */
const ARCHIVE_DEADLINE_MS = 1000;

export interface ClientDataDependencies {
  secrets: Secrets;
  memory: MemoryStore;
  archive: Archive;
  settings: ClientDataSettings;
  tools: Powertools;
  /** Optional source-address allow-list (ElevenLabs' egress IPs); empty allows everyone. */
  allowList?: SourceAllowList;
  now?: () => Date;
}

/**
 * Pre-call (ElevenLabs conversation-initiation webhook): who is calling, what do we remember,
 * and how should the agent greet them. Always answers 200 for a valid request: memory being
 * slow or down degrades to the new-caller answer.
 */
export function createClientDataHandler(deps: ClientDataDependencies): HttpEndpoint {
  const { tools, settings } = deps;
  const now = deps.now ?? (() => new Date());

  return httpEndpoint(tools, async (event) => {
    const request = readRequest(event, MAX_BODY_BYTES);
    deps.allowList?.check(request.sourceIp);
    requireKeyHeader(request, WORKSPACE_KEY_HEADER, await readSecret(deps.secrets, 'workspaceKey', tools));
    const body = validate(initiationRequestSchema, parseJsonObject(request.rawBody, request.text));
    tools.logger.setCorrelationId(body.call_sid ?? event.requestContext?.requestId);
    const identity = identityOf(body);
    tools.logger.appendKeys({ caller: identity.ok ? redactIdentity(identity.identity) : 'none' });
    if (!identity.ok) noteCallWithoutIdentity(identity.reason);

    const [memory, memoryToken] = await Promise.all([
      identity.ok ? recallOrDegrade(identity.identity) : NO_MEMORY,
      tokenFor(identity, body.agent_id),
    ]);
    const answer = answerFor(body.caller_id ?? '', memory, memoryToken);
    tools.metrics.addMetric(METRIC.memoriesReturned, MetricUnit.Count, memory.memoryCount);
    tools.logger.info('pre-call answered', {
      returning: answer.dynamic_variables.returning_caller,
      memoryCount: memory.memoryCount,
      nameKnown: answer.dynamic_variables.caller_name !== '',
      identity: identity.ok ? 'caller' : identity.reason,
    });

    await archiveExchange(body, identity, answer);
    return jsonResponse(200, answer);
  });

  /** Whose memory this call reads; a withheld number or an agent outside the scope is nobody. */
  function identityOf(body: InitiationRequest): IdentityOutcome {
    if (body.caller_id === undefined) {
      return { ok: false, reason: 'withheld', detail: 'the caller withheld their number' };
    }
    return identityInScope(body.caller_id, body.agent_id, settings.memoryScope);
  }

  function noteCallWithoutIdentity(reason: string) {
    tools.metrics.addMetric(METRIC.callsWithoutIdentity, MetricUnit.Count, 1);
    if (reason === 'withheld') tools.metrics.addMetric(METRIC.withheldCallerIds, MetricUnit.Count, 1);
  }

  /**
   * The per-call key to this caller's memories for the search tool. A key that cannot be read
   * must not fail a ringing call: the answer then carries no token, and searches are refused.
   */
  async function tokenFor(identity: IdentityOutcome, agentId: string | undefined): Promise<string> {
    try {
      const key = await deps.secrets.get('memoryTokenKey');
      return mintMemoryToken(key, {
        identity: identity.ok ? identity.identity : null,
        agentId: agentId ?? null,
        expiresAt: Math.floor(now().getTime() / 1000) + settings.memoryTokenTtlSeconds,
      });
    } catch (error) {
      tools.metrics.addMetric(METRIC.degradedResponses, MetricUnit.Count, 1);
      tools.logger.error('memory token key unavailable: answering without a token', {
        error: redactedMessage(error),
      });
      return '';
    }
  }

  async function recallOrDegrade(callerId: CallerId): Promise<CallerMemory> {
    const startedAt = performance.now();
    try {
      const memory = await readCallerMemory(deps.memory, callerId, {
        maxFacts: settings.maxFacts,
        maxHighlights: settings.maxHighlights,
        deadlineMs: settings.memoryDeadlineMs,
      });
      tools.metrics.addMetric(METRIC.memoryStoreLatency, MetricUnit.Milliseconds, elapsedMs(startedAt));
      return memory;
    } catch (error) {
      tools.metrics.addMetric(METRIC.degradedResponses, MetricUnit.Count, 1);
      tools.logger.warn('memory unavailable: answering as for a new caller', { error: redactedMessage(error) });
      return NO_MEMORY;
    }
  }

  function answerFor(callerId: string, memory: CallerMemory, memoryToken: string): ConversationInitiationClientData {
    const returning = isReturning(memory);
    const name = returning ? callerName(memory.profiles, [...memory.facts, ...memory.highlights]) : undefined;
    const context = memoryContext(memory, name, {
      maxFacts: settings.maxFacts,
      maxHighlights: settings.maxHighlights,
      maxChars: settings.maxContextChars,
    });
    // The agent's own prompt includes {{memory_context}}; a prompt override (which replaces that
    // prompt) is sent only when the operator configured a template for it.
    const template = settings.overridePrompt ? settings.basePromptTemplate : undefined;
    return initiationResponse({
      callerId,
      memoryToken,
      callerName: name,
      memoryCount: memory.memoryCount,
      memorySummary: memorySummary(memory),
      memoryContext: context,
      returning,
      prompt: template === undefined ? undefined : promptFromTemplate(template, context),
      firstMessage: settings.overrideFirstMessage
        ? greeting({ returning, name, newCallerGreeting: settings.newCallerGreeting })
        : undefined,
    });
  }

  async function archiveExchange(
    request: InitiationRequest,
    identity: IdentityOutcome,
    response: ConversationInitiationClientData,
  ) {
    const receivedAt = now();
    // The token is a bearer credential for the whole call: it is never stored.
    const variables: Partial<DynamicVariables> = { ...response.dynamic_variables };
    delete variables.secret__memory_token;
    const record = JSON.stringify({
      received_at: receivedAt.toISOString(),
      request,
      response: { ...response, dynamic_variables: variables },
    });
    // Filed under whose record it is: the memory identity, else the bare caller (an agent outside
    // the scope map), else `anonymous`, a folder no caller can own (withheld words are no id).
    const folder = identity.ok ? identity.identity : (request.caller_id ?? 'anonymous');
    try {
      await withDeadline(
        deps.archive.putJson(clientDataKey(folder, request.call_sid, receivedAt), record),
        ARCHIVE_DEADLINE_MS,
        'archive write',
      );
    } catch (error) {
      tools.metrics.addMetric(METRIC.archiveFailures, MetricUnit.Count, 1);
      tools.logger.warn('pre-call archive failed; answering anyway', { error: redactedMessage(error) });
    }
  }
}
