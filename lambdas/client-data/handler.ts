import type { Archive } from '../shared/archive';
import { clientDataKey } from '../shared/archive';
import { redactCallerId, type CallerId } from '../shared/caller';
import { MEMORY_CONTEXT_PLACEHOLDER, type ClientDataSettings, type Secrets } from '../shared/config';
import {
  NO_MEMORY,
  callerName,
  greeting,
  isReturning,
  memoryContext,
  memorySummary,
  readCallerMemory,
  type CallerMemory,
} from '../shared/context';
import { withDeadline } from '../shared/deadline';
import { initiationRequestSchema, type InitiationRequest } from '../shared/elevenlabs/initiation-request';
import { initiationResponse, type ConversationInitiationClientData } from '../shared/elevenlabs/initiation-response';
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
    tools.logger.appendKeys({ caller: redactCallerId(body.caller_id) });

    const memory = await recallOrDegrade(body.caller_id);
    const answer = answerFor(body.caller_id, memory);
    tools.metrics.addMetric(METRIC.memoriesReturned, MetricUnit.Count, memory.memoryCount);
    tools.logger.info('pre-call answered', {
      returning: answer.dynamic_variables.returning_caller,
      memoryCount: memory.memoryCount,
      nameKnown: answer.dynamic_variables.caller_name !== '',
    });

    await archiveExchange(body, answer);
    return jsonResponse(200, answer);
  });

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
      tools.logger.warn('memory unavailable: answering as for a new caller', { error: (error as Error).message });
      return NO_MEMORY;
    }
  }

  function answerFor(callerId: CallerId, memory: CallerMemory): ConversationInitiationClientData {
    const returning = isReturning(memory);
    const name = returning ? callerName(memory.profiles, [...memory.facts, ...memory.highlights]) : undefined;
    const context = memoryContext(memory, name, {
      maxFacts: settings.maxFacts,
      maxHighlights: settings.maxHighlights,
      maxChars: settings.maxContextChars,
    });
    return initiationResponse({
      callerId,
      callerName: name,
      memoryCount: memory.memoryCount,
      memorySummary: memorySummary(memory),
      returning,
      prompt: settings.overridePrompt
        ? settings.basePromptTemplate.split(MEMORY_CONTEXT_PLACEHOLDER).join(context)
        : undefined,
      firstMessage: settings.overrideFirstMessage
        ? greeting({ returning, name, newCallerGreeting: settings.newCallerGreeting })
        : undefined,
    });
  }

  async function archiveExchange(request: InitiationRequest, response: ConversationInitiationClientData) {
    const receivedAt = now();
    const record = JSON.stringify({ received_at: receivedAt.toISOString(), request, response });
    try {
      await withDeadline(
        deps.archive.putJson(clientDataKey(request.caller_id, request.call_sid, receivedAt), record),
        ARCHIVE_DEADLINE_MS,
        'archive write',
      );
    } catch (error) {
      tools.metrics.addMetric(METRIC.archiveFailures, MetricUnit.Count, 1);
      tools.logger.warn('pre-call archive failed; answering anyway', { error: (error as Error).message });
    }
  }
}
