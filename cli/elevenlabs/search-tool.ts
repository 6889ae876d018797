import type { RetrieveAuth } from '../../lambdas/shared/config';
import { headerNamed, secretIdOf, type HeaderValue } from './agent-view';
import { SEARCH_TOOL_NAME } from './prompt-snippet';
import type { ToolRequestWire } from './wire';

export const MEMORY_TOKEN_HEADER = 'X-Memory-Token';
export const RETRIEVE_KEY_HEADER = 'X-Api-Key';
export const MEMORY_TOKEN_VARIABLE = 'secret__memory_token';
export const CALLER_ID_VARIABLE = 'system__caller_id';
export const AGENT_ID_VARIABLE = 'system__agent_id';
/** The platform's smallest response timeout (WebhookToolConfigInput: 5 to 300 s): the caller waits in silence. */
export const SEARCH_TIMEOUT_SECONDS = 5;
const LONGEST_SENSIBLE_TIMEOUT_SECONDS = 10;

const TOOL_DESCRIPTION =
  'Searches what this caller said and what was noted about them in earlier calls. Use it when the caller refers to a previous conversation (an order, a promise, a name, a date) that the memory in your instructions does not answer. It only ever searches the memories of the caller on the line.';
const QUERY_DESCRIPTION =
  'What to look for, in a few words, e.g. "the delivery address", "what we promised last time", "their daughter\'s name".';
const BODY_DESCRIPTION = 'The search. Whose memories are searched is set by the call itself, never by the model.';

/** Whether the search path needs the static retrieve key (in `token-or-key` it serves calls that had no pre-call). */
export function needsRetrieveKey(retrieveAuth: RetrieveAuth): boolean {
  return retrieveAuth !== 'token';
}

/**
 * The `search_memory` webhook tool as connect defines it: POST to the retrieve endpoint, the
 * per-call memory token in `X-Memory-Token` (a dynamic-variable header), the query from the
 * LLM, and whose memories from the platform's own variables, never from the LLM.
 */
export function searchToolDefinition(target: { url: string; retrieveKeySecretId?: string }): ToolRequestWire {
  const headers: Record<string, HeaderValue> = { [MEMORY_TOKEN_HEADER]: { variable_name: MEMORY_TOKEN_VARIABLE } };
  if (target.retrieveKeySecretId) headers[RETRIEVE_KEY_HEADER] = { secret_id: target.retrieveKeySecretId };
  return {
    tool_config: {
      type: 'webhook',
      name: SEARCH_TOOL_NAME,
      description: TOOL_DESCRIPTION,
      response_timeout_secs: SEARCH_TIMEOUT_SECONDS,
      api_schema: {
        url: target.url,
        method: 'POST',
        request_headers: headers,
        request_body_schema: {
          type: 'object',
          description: BODY_DESCRIPTION,
          required: ['query'],
          properties: {
            query: { type: 'string', description: QUERY_DESCRIPTION },
            user_id: { type: 'string', dynamic_variable: CALLER_ID_VARIABLE },
            agent_id: { type: 'string', dynamic_variable: AGENT_ID_VARIABLE },
          },
        },
      },
    },
  };
}

/** A webhook tool's configuration as read back (request or response shape: the fields used here are common). */
export interface WebhookToolView {
  type?: string;
  name?: string;
  description?: string;
  response_timeout_secs?: number | null;
  api_schema?: {
    url?: string;
    method?: string | null;
    request_headers?: Record<string, unknown> | null;
    request_body_schema?: {
      description?: string | null;
      required?: string[] | null;
      properties?: Record<string, PropertyView> | null;
    } | null;
  };
}

interface PropertyView {
  type?: unknown;
  description?: string | null;
  dynamic_variable?: string | null;
  constant_value?: unknown;
  is_system_provided?: boolean | null;
  is_omitted?: boolean | null;
}

/**
 * What connect manages in a tool, without the defaults the platform fills in: two tools with
 * the same projection behave the same for the search.
 */
export function toolProjection(tool: WebhookToolView): unknown {
  const schema = tool.api_schema;
  const body = schema?.request_body_schema;
  const properties = Object.entries(body?.properties ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, property]) => [
      name,
      {
        type: property.type ?? null,
        description: property.description ?? null,
        dynamic_variable: property.dynamic_variable ?? null,
        constant_value: property.constant_value ?? null,
        is_system_provided: property.is_system_provided ?? false,
        is_omitted: property.is_omitted ?? false,
      },
    ]);
  const headers = Object.entries(schema?.request_headers ?? {})
    .map(([name, value]) => [name.toLowerCase(), value])
    .sort(([a], [b]) => String(a).localeCompare(String(b)));
  return {
    type: tool.type ?? null,
    name: tool.name ?? null,
    description: tool.description ?? null,
    timeout: tool.response_timeout_secs ?? null,
    url: schema?.url ?? null,
    method: schema?.method ?? 'GET',
    headers,
    body: {
      description: body?.description ?? null,
      required: [...(body?.required ?? [])].sort(),
      properties,
    },
  };
}

export function sameTool(a: WebhookToolView, b: WebhookToolView): boolean {
  return JSON.stringify(toolProjection(a)) === JSON.stringify(toolProjection(b));
}

export interface ToolProblem {
  severity: 'error' | 'warning';
  problem: string;
}

/**
 * Every way a search tool is broken or unsafe for this deployment. The worst: a `user_id` the
 * LLM fills in, with which a caller can talk the agent into reading someone else's memories.
 */
export function searchToolProblems(
  tool: WebhookToolView,
  expected: { url: string; retrieveAuth: RetrieveAuth; secretIds: ReadonlySet<string> },
): ToolProblem[] {
  const problems: ToolProblem[] = [];
  const error = (problem: string) => problems.push({ severity: 'error', problem });
  const warning = (problem: string) => problems.push({ severity: 'warning', problem });
  if (tool.type !== undefined && tool.type !== 'webhook') error(`is a ${tool.type} tool, not a webhook (server) tool`);
  const schema = tool.api_schema;
  if (schema?.url !== expected.url) error(`calls ${schema?.url ?? 'no URL'}, not this deployment's ${expected.url}`);
  if ((schema?.method ?? 'GET') !== 'POST') error(`uses ${schema?.method ?? 'GET (the default)'}, not POST`);

  const properties = schema?.request_body_schema?.properties ?? {};
  const userId = properties.user_id;
  if (userId === undefined) {
    if (expected.retrieveAuth === 'key')
      error('sends no user_id: with the static key alone the search cannot know the caller');
  } else if (userId.dynamic_variable !== CALLER_ID_VARIABLE) {
    error(
      userId.dynamic_variable
        ? `takes user_id from the dynamic variable ${userId.dynamic_variable}, not ${CALLER_ID_VARIABLE}`
        : userId.constant_value !== undefined && userId.constant_value !== null
          ? "sends a constant user_id: every call would read one caller's memories"
          : "lets the LLM fill in user_id: a caller can talk the agent into reading another caller's memories",
    );
  }
  const agentId = properties.agent_id;
  if (agentId !== undefined && agentId.dynamic_variable !== AGENT_ID_VARIABLE && !agentId.is_omitted) {
    error(
      `takes agent_id from ${agentId.dynamic_variable ? `the dynamic variable ${agentId.dynamic_variable}` : 'the LLM'}, not ${AGENT_ID_VARIABLE}`,
    );
  }
  const query = properties.query;
  if (query === undefined) error('has no query parameter');
  else if (!query.description || query.dynamic_variable) error('does not let the LLM fill in the query');

  const headers = schema?.request_headers;
  const token = headerNamed(headers, MEMORY_TOKEN_HEADER);
  if (token === undefined) {
    if (expected.retrieveAuth === 'token')
      error(`sends no ${MEMORY_TOKEN_HEADER}: the deployment refuses every search (401)`);
    else
      warning(
        `sends no ${MEMORY_TOKEN_HEADER}: searches fall back to the static key, with which the tool could name any caller`,
      );
  } else if (!isMemoryTokenValue(token.value)) {
    error(`sends ${token.name} without the per-call token {{${MEMORY_TOKEN_VARIABLE}}}`);
  }
  const key = headerNamed(headers, RETRIEVE_KEY_HEADER);
  if (key === undefined) {
    if (expected.retrieveAuth === 'key')
      error(`sends no ${RETRIEVE_KEY_HEADER}: the deployment refuses every search (401)`);
  } else if (typeof key.value === 'string') {
    warning(`holds the retrieve key in plain text in ${key.name}: keep it in a workspace secret`);
  } else {
    const secretId = secretIdOf(key.value);
    if (secretId !== undefined && !expected.secretIds.has(secretId)) {
      error(`sends ${key.name} from workspace secret ${secretId}, which does not exist`);
    }
  }
  const timeout = tool.response_timeout_secs;
  if (typeof timeout === 'number' && timeout > LONGEST_SENSIBLE_TIMEOUT_SECONDS) {
    warning(
      `waits up to ${timeout} s for an answer while the caller hears silence (${SEARCH_TIMEOUT_SECONDS} s is plenty)`,
    );
  }
  return problems;
}

function isMemoryTokenValue(value: HeaderValue): boolean {
  if (typeof value === 'string') return value.replace(/\s+/g, '') === `{{${MEMORY_TOKEN_VARIABLE}}}`;
  return 'variable_name' in value && value.variable_name === MEMORY_TOKEN_VARIABLE;
}
