import { callerIdSchema, redactCallerId } from '../shared/caller';
import type { RetrieveSettings, Secrets } from '../shared/config';
import { withDeadline } from '../shared/deadline';
import {
  HttpError,
  httpEndpoint,
  jsonResponse,
  parseJsonObject,
  readRequest,
  object,
  optional,
  readSecret,
  requireKeyHeader,
  text,
  validate,
  type HttpEndpoint,
  type Schema,
} from '../shared/http';
import type { MemoryStore } from '../shared/memory';
import { METRIC, MetricUnit, elapsedMs, type Powertools } from '../shared/powertools';
import { searchAnswer } from './search-answer';

export const RETRIEVE_KEY_HEADER = 'X-Api-Key';
const MAX_BODY_BYTES = 16 * 1024;

const MAX_LIMIT = 50;

/** How many memories to return: a whole number, or the digits of one (tools send strings). */
const limitSchema: Schema<number> = (value, field) => {
  const limit = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit)) return field.problem('must be a whole number');
  return limit >= 1 && limit <= MAX_LIMIT ? limit : field.problem(`must be from 1 to ${MAX_LIMIT}`);
};

/** The server tool's body. `user_id` must be bound to system__caller_id in the tool, never the LLM. */
const searchRequestSchema = object({
  query: text({ trim: true, minLength: 1, tooShort: 'must not be empty', maxLength: 1000 }),
  user_id: callerIdSchema,
  limit: optional(limitSchema),
});

export interface RetrieveDependencies {
  secrets: Secrets;
  memory: MemoryStore;
  settings: RetrieveSettings;
  tools: Powertools;
}

/** In-call (ElevenLabs server tool `search_memory`): ranked search of one caller's memories. */
export function createRetrieveHandler(deps: RetrieveDependencies): HttpEndpoint {
  const { tools, settings } = deps;

  return httpEndpoint(tools, async (event) => {
    const request = readRequest(event, MAX_BODY_BYTES);
    if (settings.requireApiKey) {
      requireKeyHeader(request, RETRIEVE_KEY_HEADER, await readSecret(deps.secrets, 'retrieveApiKey', tools));
    }
    const body = validate(searchRequestSchema, parseJsonObject(request.rawBody, request.text));
    tools.logger.setCorrelationId(event.requestContext?.requestId);
    tools.logger.appendKeys({ caller: redactCallerId(body.user_id) });

    const limit = body.limit ?? settings.defaultLimit;
    const startedAt = performance.now();
    let memories;
    try {
      memories = await withDeadline(
        deps.memory.search(body.user_id, body.query, { limit }),
        settings.memoryDeadlineMs,
        'memory search',
      );
    } catch (error) {
      tools.metrics.addMetric(METRIC.degradedResponses, MetricUnit.Count, 1);
      tools.logger.warn('memory search failed', { error: (error as Error).message });
      throw new HttpError(503, 'memory temporarily unavailable');
    }
    tools.metrics.addMetric(METRIC.memoryStoreLatency, MetricUnit.Milliseconds, elapsedMs(startedAt));

    const answer = searchAnswer(memories.slice(0, limit));
    tools.metrics.addMetric(METRIC.memoriesReturned, MetricUnit.Count, answer.memories.length);
    tools.logger.info('search answered', { limit, found: answer.memories.length, queryChars: body.query.length });
    return jsonResponse(200, answer);
  });
}
