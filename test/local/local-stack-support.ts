import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { signElevenLabsPayload } from '../../lambdas/shared/elevenlabs/signature';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../lambdas/local/local-stack';

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export interface TestStack {
  stack: LocalStack;
  /** Every log line the stack printed (JSON, so that tests can read it back). */
  logLines: string[];
}

/** A fresh, empty data directory; remove it with `removeHome`. */
export function tempHome(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'agentic-memory-home-'));
}

export function removeHome(home: string): Promise<void> {
  return rm(home, { recursive: true, force: true });
}

/**
 * The real local stack on 127.0.0.1, on an ephemeral port. The environment is empty unless given:
 * a developer's own MEM0_API_KEY or keys must not leak into a test.
 */
export async function startTestStack(
  home: string,
  options: Partial<Omit<LocalStackOptions, 'home' | 'log'>> = {},
): Promise<TestStack> {
  const logLines: string[] = [];
  const stack = await startLocalStack({
    port: 0,
    host: '127.0.0.1',
    env: {},
    ...options,
    home,
    log: { format: 'json', level: 'INFO', write: (line) => logLines.push(line) },
  });
  return { stack, logLines };
}

export async function request(
  url: string,
  init: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body,
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

export function postCall(stack: LocalStack, rawBody: Buffer | string, secret = stack.keys.hmacKey): Promise<Answer> {
  return request(stack.urls.postCall, {
    body: rawBody,
    headers: { 'ElevenLabs-Signature': signElevenLabsPayload(rawBody, secret, Date.now() / 1000) },
  });
}

export function preCall(
  stack: LocalStack,
  callerId: string,
  workspaceKey = stack.keys.workspaceKey,
  agentId = 'agent_test',
): Promise<Answer> {
  return request(stack.urls.clientData, {
    body: JSON.stringify({
      caller_id: callerId,
      agent_id: agentId,
      called_number: '+15555550100',
      call_sid: 'CA_test',
    }),
    headers: { 'X-Workspace-Key': workspaceKey },
  });
}

/** A pre-call of the caller to the agent, as ElevenLabs makes it when the call rings. */
export function preCallTo(stack: LocalStack, callerId: string, agentId: string): Promise<Answer> {
  return preCall(stack, callerId, stack.keys.workspaceKey, agentId);
}

/** The memory token a pre-call answer hands the call. */
export function memoryToken(answer: Answer): string {
  const token = dynamicVariables(answer).secret__memory_token;
  expect(token).toMatch(/\S/);
  return token;
}

/** A search as the agent's tool makes it: the call's memory token, and the query. */
export function searchWithToken(stack: LocalStack, token: string, query: string): Promise<Answer> {
  return request(stack.urls.retrieve, {
    body: JSON.stringify({ query, limit: 5 }),
    headers: { 'X-Memory-Token': token },
  });
}

/** What a search with the token of a fresh pre-call (caller to agent) finds. */
export async function recall(stack: LocalStack, callerId: string, agentId: string, query: string): Promise<string[]> {
  const answer = await searchWithToken(stack, memoryToken(await preCallTo(stack, callerId, agentId)), query);
  expect(answer.status).toBe(200);
  return (answer.body.memories as Array<{ memory: string }>).map((m) => m.memory);
}

export async function search(stack: LocalStack, callerId: string, query: string): Promise<string[]> {
  const answer = await request(stack.urls.retrieve, {
    body: JSON.stringify({ query, user_id: callerId, limit: 5 }),
    headers: { 'X-Api-Key': stack.keys.retrieveApiKey },
  });
  expect(answer.status).toBe(200);
  return (answer.body.memories as Array<{ memory: string }>).map((m) => m.memory);
}

export function dynamicVariables(answer: Answer): Record<string, string> {
  return answer.body.dynamic_variables as Record<string, string>;
}

export function firstMessage(answer: Answer): string | undefined {
  return (answer.body.conversation_config_override as { agent: { first_message?: string } } | undefined)?.agent
    .first_message;
}
