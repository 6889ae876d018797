import { z } from 'zod';
import { callerIdSchema, redactCallerId } from '../shared/caller';
import type { RetrieveSettings, Secrets } from '../shared/config';
import { withDeadline } from '../shared/deadline';
import {
  HttpError,
  httpEndpoint,
  jsonResponse,
  parseJsonObject,
  readRequest,
  readSecret,
  requireKeyHeader,
  validate,
  type HttpEndpoint,
} from '../shared/http';
import type { MemoryStore } from '../shared/memory';
import { METRIC, MetricUnit, elapsedMs, type Powertools } from '../shared/powertools';
import { searchAnswer } from './search-answer';

export const RETRIEVE_KEY_HEADER = 'X-Api-Key';
const MAX_BODY_BYTES = 16 * 1024;

const limitSchema = z
  .union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number').transform(Number)])
  .pipe(z.number().int('must be a whole number').min(1).max(50));

/** The server tool's body. `user_id` must be bound to system__caller_id in the tool, never the LLM. */
const searchRequestSchema = z.object({
  query: z.string().trim().min(1, 'must not be empty').max(1000, 'must be at most 1000 characters'),
  user_id: callerIdSchema,
  limit: limitSchema.optional(),
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
    const body = validate(searchRequestSchema, parseJsonObject(request.rawBody));
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
