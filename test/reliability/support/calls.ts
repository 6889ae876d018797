import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { demoCall, type DemoCall } from '../../../lambdas/local/demo-call';
import type { LocalKeys } from '../../../lambdas/local/local-secrets';
import { signElevenLabsPayload } from '../../../lambdas/shared/elevenlabs/signature';
import { callerFileName, callerSnippets } from '../../../lambdas/shared/memory/embedded-store';
import type { ConversationTurn, MemoryType } from '../../../lambdas/shared/memory';

/**
 * Calls, keys and HTTP helpers shared by the reliability tests. Every phone number is in the
 * 555-01xx range, reserved for fiction: a test never holds anyone's real number.
 */

const NAMES = ['Margaret Ellison', 'Daniel Okafor', 'Priya Raman', 'Tomás Herrera', 'Aisha Bello', 'Henrik Larsen'];

/** A distinct fictional number per `index` (0–99) under an area code of the test's choosing. */
export function fictionalNumber(areaCode: number, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > 99) throw new Error(`index ${index} is outside 0–99`);
  return `+1${areaCode}55501${String(index).padStart(2, '0')}`;
}

export interface TestCall extends DemoCall {
  rawBody: string;
}

/** A finished call of `callerId`, as ElevenLabs posts it, with a unique conversation id. */
export function testCall(callerId: string, index = 0): TestCall {
  const call = demoCall({ callerId, callerName: NAMES[index % NAMES.length] });
  return { ...call, rawBody: JSON.stringify(call.payload) };
}

/** Keys of the shape the local stack generates, new for each test. */
export function freshKeys(): LocalKeys {
  return {
    workspaceKey: `wk_${randomBytes(24).toString('base64url')}`,
    retrieveApiKey: `rk_${randomBytes(24).toString('base64url')}`,
    hmacKey: `wsec_${randomBytes(32).toString('hex')}`,
    memoryTokenKey: `mtk_${randomBytes(32).toString('base64url')}`,
  };
}

/** The environment variables that give a local stack these keys. */
export function keyEnvironment(keys: LocalKeys): Record<string, string> {
  return {
    ELEVENLABS_WORKSPACE_KEY: keys.workspaceKey,
    RETRIEVE_API_KEY: keys.retrieveApiKey,
    ELEVENLABS_HMAC_KEY: keys.hmacKey,
    MEMORY_TOKEN_KEY: keys.memoryTokenKey,
  };
}

// ---- what one ingestion of a call writes ----------------------------------------------------------

function userTurns(call: DemoCall): ConversationTurn[] {
  const transcript = (call.payload.data as { transcript: Array<{ role: string; message: string }> }).transcript;
  return transcript.map((turn) => ({ role: turn.role === 'agent' ? 'assistant' : 'user', content: turn.message }));
}

export type MemoryCounts = Record<MemoryType, number>;

/**
 * What one ingestion of `call` stores, per memory type: one factual memory (the summary), one
 * profile memory (the collected data), and one semantic set — in Mem0 (the loopback server stands
 * in for its extraction with one memory per caller message), in the embedded store (the
 * caller's turns cut into snippets) or in AgentCore (the transcript, once, as events: extraction
 * from them is the memory resource's own, later work).
 */
export function expectedCounts(call: DemoCall, store: 'mem0' | 'embedded' | 'agentcore'): MemoryCounts {
  const turns = userTurns(call);
  const semantic =
    store === 'mem0'
      ? turns.filter((turn) => turn.role === 'user' && turn.content.trim() !== '').length
      : store === 'agentcore'
        ? 1
        : callerSnippets(turns).length;
  return { factual: 1, semantic, profile: 1 };
}

/** Memories grouped by type, counting only those of one conversation. */
export function countsOf(memories: Array<{ metadata: Record<string, unknown> }>, conversationId: string): MemoryCounts {
  const counts: MemoryCounts = { factual: 0, semantic: 0, profile: 0 };
  for (const memory of memories) {
    if (memory.metadata.conversation_id !== conversationId) continue;
    const type = memory.metadata.type as MemoryType;
    if (type in counts) counts[type] += 1;
  }
  return counts;
}

/** The memories of one caller in a local stack's embedded store, read from its file. */
export async function embeddedMemoriesOf(
  home: string,
  callerId: string,
): Promise<Array<{ metadata: Record<string, unknown> }>> {
  let text: string;
  try {
    text = await readFile(path.join(home, 'memory', callerFileName(callerId)), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { metadata: Record<string, unknown> });
}

/** Whether a local stack's ingest ledger records the conversation's inbox object as processed. */
export async function ledgerHas(home: string, conversationId: string): Promise<boolean> {
  try {
    return (await readFile(path.join(home, 'ingest-ledger.jsonl'), 'utf8')).includes(`/${conversationId}/`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

// ---- HTTP ------------------------------------------------------------------------------------------

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  /** Wall time from sending the request to having read the whole answer. */
  ms: number;
}

export async function send(
  url: string,
  init: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const startedAt = performance.now();
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body,
  });
  const text = await response.text();
  const ms = performance.now() - startedAt;
  let body: Record<string, unknown>;
  try {
    body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    body = { text };
  }
  return { status: response.status, body, ms };
}

/** POSTs a post-call webhook signed now with `hmacKey`, as ElevenLabs does. */
export function postCallTo(baseUrl: string, rawBody: string | Buffer, hmacKey: string): Promise<Answer> {
  return send(`${baseUrl}/post-call`, {
    body: rawBody,
    headers: { 'ElevenLabs-Signature': signElevenLabsPayload(rawBody, hmacKey, Date.now() / 1000) },
  });
}

export function preCallTo(baseUrl: string, callerId: string, workspaceKey: string): Promise<Answer> {
  return send(`${baseUrl}/client-data`, {
    body: JSON.stringify({
      caller_id: callerId,
      agent_id: 'agent_test',
      called_number: '+15555550100',
      call_sid: `CA${randomBytes(8).toString('hex')}`,
    }),
    headers: { 'X-Workspace-Key': workspaceKey },
  });
}

export function searchAt(baseUrl: string, callerId: string, query: string, retrieveApiKey: string): Promise<Answer> {
  return send(`${baseUrl}/retrieve`, {
    body: JSON.stringify({ query, user_id: callerId, limit: 5 }),
    headers: { 'X-Api-Key': retrieveApiKey },
  });
}

export function dynamicVariables(answer: Answer): Record<string, string> {
  return (answer.body.dynamic_variables ?? {}) as Record<string, string>;
}

/** Polls `probe` every 50 ms until it returns true; fails after `timeoutMs` saying what was awaited. */
export async function eventually(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
