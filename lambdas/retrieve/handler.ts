import {
  identityInScope,
  parseCallerId,
  parseMemoryIdentity,
  redactIdentity,
  verifyMemoryToken,
  type CallerId,
} from '../shared/caller';
import type { RetrieveSettings, Secrets } from '../shared/config';
import { withDeadline } from '../shared/deadline';
import {
  HttpError,
  badRequest,
  httpEndpoint,
  jsonResponse,
  parseJsonObject,
  readRequest,
  object,
  optional,
  readSecret,
  requireKeyHeader,
  text,
  unauthorized,
  validate,
  type HttpEndpoint,
  type HttpRequest,
  type Infer,
  type Schema,
} from '../shared/http';
import type { MemoryStore } from '../shared/memory';
import { redactedMessage } from '../shared/logging';
import { METRIC, MetricUnit, elapsedMs, type Powertools } from '../shared/powertools';
import { searchAnswer } from './search-answer';

export const RETRIEVE_KEY_HEADER = 'X-Api-Key';
export const MEMORY_TOKEN_HEADER = 'X-Memory-Token';
const MAX_BODY_BYTES = 16 * 1024;

const MAX_LIMIT = 50;

/** How many memories to return: a whole number, or the digits of one (tools send strings). */
const limitSchema: Schema<number> = (value, field) => {
  const limit = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit)) return field.problem('must be a whole number');
  return limit >= 1 && limit <= MAX_LIMIT ? limit : field.problem(`must be from 1 to ${MAX_LIMIT}`);
};

/**
 * A caller id as the tool sends it (from `system__caller_id`): normalised, or `null` for a
 * withheld number, which identifies nobody. Anything else malformed is refused.
 */
const toolCallerSchema: Schema<CallerId | null> = (value, field) => {
  const raw = text({ maxLength: 256 })(value, field);
  if (typeof raw !== 'string') return null;
  const parsed = parseCallerId(raw);
  if (parsed.ok) return parsed.callerId;
  return parsed.withheld ? null : field.problem(parsed.problem);
};

/**
 * The server tool's body. With a memory token, `user_id` is optional and only cross-checked;
 * with the static key it names the caller, and must be bound to system__caller_id in the tool.
 */
const searchRequestSchema = object({
  query: text({ trim: true, minLength: 1, tooShort: 'must not be empty', maxLength: 1000 }),
  user_id: optional(toolCallerSchema, { nullable: true }),
  agent_id: optional(text({ trim: true, maxLength: 256 }), { nullable: true }),
  limit: optional(limitSchema),
});

type SearchRequest = Infer<typeof searchRequestSchema>;

/** Whose memories a search may read: an identity, or nobody (the search then finds nothing). */
type Searchable = { identity: CallerId; via: 'token' | 'key' } | { identity: null; why: string };

export interface RetrieveDependencies {
  secrets: Secrets;
  memory: MemoryStore;
  settings: RetrieveSettings;
  tools: Powertools;
  now?: () => number;
}

/**
 * In-call (ElevenLabs server tool `search_memory`): ranked search of one caller's memories.
 * Whose memories is decided by the per-call memory token the pre-call minted (`X-Memory-Token`),
 * or, where configured, by the static key and the tool's `user_id`.
 */
export function createRetrieveHandler(deps: RetrieveDependencies): HttpEndpoint {
  const { tools, settings } = deps;
  const now = deps.now ?? Date.now;

  return httpEndpoint(tools, async (event) => {
    const request = readRequest(event, MAX_BODY_BYTES);
    const tokenHeader = request.headers[MEMORY_TOKEN_HEADER.toLowerCase()] ?? '';
    const useToken = settings.retrieveAuth !== 'key' && tokenHeader !== '';
    // Credentials before the body: an unauthenticated client learns nothing about validation.
    if (!useToken) await requireStaticKey(request);
    const body = validate(searchRequestSchema, parseJsonObject(request.rawBody, request.text));
    tools.logger.setCorrelationId(event.requestContext?.requestId);

    const searchable = useToken ? await byToken(tokenHeader, body) : byKey(body);
    if (searchable.identity === null) {
      tools.metrics.addMetric(METRIC.callsWithoutIdentity, MetricUnit.Count, 1);
      tools.logger.info('search answered: no memory identity', { why: searchable.why });
      return jsonResponse(200, searchAnswer([]));
    }
    tools.logger.appendKeys({ caller: redactIdentity(searchable.identity), auth: searchable.via });

    const limit = body.limit ?? settings.defaultLimit;
    const startedAt = performance.now();
    let memories;
    try {
      memories = await withDeadline(
        deps.memory.search(searchable.identity, body.query, { limit }),
        settings.memoryDeadlineMs,
        'memory search',
      );
    } catch (error) {
      tools.metrics.addMetric(METRIC.degradedResponses, MetricUnit.Count, 1);
      tools.logger.warn('memory search failed', { error: redactedMessage(error) });
      throw new HttpError(503, 'memory temporarily unavailable');
    }
    tools.metrics.addMetric(METRIC.memoryStoreLatency, MetricUnit.Milliseconds, elapsedMs(startedAt));

    const answer = searchAnswer(memories.slice(0, limit));
    tools.metrics.addMetric(METRIC.memoriesReturned, MetricUnit.Count, answer.memories.length);
    tools.logger.info('search answered', { limit, found: answer.memories.length, queryChars: body.query.length });
    return jsonResponse(200, answer);
  });

  async function requireStaticKey(request: HttpRequest): Promise<void> {
    if (settings.retrieveAuth === 'token') throw unauthorized(`missing ${MEMORY_TOKEN_HEADER} header`);
    if (settings.retrieveAuth === 'key' && !settings.requireApiKey) return;
    const presented = request.headers[RETRIEVE_KEY_HEADER.toLowerCase()];
    if (settings.retrieveAuth === 'token-or-key' && (presented === undefined || presented === '')) {
      throw unauthorized(`missing ${MEMORY_TOKEN_HEADER} (or ${RETRIEVE_KEY_HEADER}) header`);
    }
    requireKeyHeader(request, RETRIEVE_KEY_HEADER, await readSecret(deps.secrets, 'retrieveApiKey', tools));
  }

  /** The token names the caller; a `user_id` or `agent_id` sent beside it must agree with it. */
  async function byToken(token: string, body: SearchRequest): Promise<Searchable> {
    const check = verifyMemoryToken(await readSecret(deps.secrets, 'memoryTokenKey', tools), token, now());
    if (!check.ok) refuse(401, `invalid ${MEMORY_TOKEN_HEADER} header: ${check.reason}`);
    const { identity, agentId } = check.claims;
    if (body.agent_id && agentId !== null && body.agent_id !== agentId) {
      refuse(403, `agent_id does not match the agent of this call's ${MEMORY_TOKEN_HEADER}`);
    }
    if (identity === null) return { identity: null, why: 'token of a caller without identity' };
    if (body.user_id !== undefined && body.user_id !== parseMemoryIdentity(identity)?.callerId) {
      refuse(403, `user_id does not match the caller of this call's ${MEMORY_TOKEN_HEADER}`);
    }
    return { identity, via: 'token' };
  }

  /** With the static key the tool's `user_id` names the caller, in the scope of its `agent_id`. */
  function byKey(body: SearchRequest): Searchable {
    if (body.user_id === undefined) throw badRequest('user_id: is required without a memory token');
    if (body.user_id === null) return { identity: null, why: 'withheld' };
    const identity = identityInScope(body.user_id, body.agent_id, settings.memoryScope);
    if (identity.ok) return { identity: identity.identity, via: 'key' };
    if (identity.reason === 'no-agent') throw badRequest('agent_id: is required when memory is kept per agent');
    return { identity: null, why: identity.reason };
  }

  function refuse(status: 401 | 403, message: string): never {
    tools.metrics.addMetric(METRIC.memoryTokenRejections, MetricUnit.Count, 1);
    throw new HttpError(status, message);
  }
}
