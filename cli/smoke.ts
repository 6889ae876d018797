import { WORKSPACE_KEY_HEADER } from '../lambdas/client-data/handler';
import { demoAgentFor, demoCall, randomDemoCallerId } from '../lambdas/local/demo-call';
import { MEMORY_TOKEN_HEADER, RETRIEVE_KEY_HEADER } from '../lambdas/retrieve/handler';
import { parseCallerId, type CallerId } from '../lambdas/shared/caller';
import { signElevenLabsPayload } from '../lambdas/shared/elevenlabs/signature';
import { memoriesOf as heldMemories } from './caller-data';
import type { Deployment, EndpointKeys } from './deployment';
import { eraseCaller, planErasure } from './forget';
import { counted } from './plural';

/** Spelled as ElevenLabs sends it. */
const SIGNATURE_HEADER = 'ElevenLabs-Signature';
const MEMORY_TOKEN_VARIABLE = 'secret__memory_token';
const REQUEST_TIMEOUT_MS = 15_000;
const POLL_INTERVAL_MS = 500;
const WRONG_KEY = 'agentic-memory-smoke-wrong-key';

export interface SmokeStep {
  name: string;
  ok: boolean;
  /** Latency of the step's request(s). */
  ms: number;
  detail: string;
}

export interface SmokeOptions {
  /** How long the call may take to become memory (Mem0 learns asynchronously: allow a minute). */
  rememberTimeoutMs: number;
  onStep?: (step: SmokeStep) => void;
}

export interface SmokeReport {
  ok: boolean;
  callerId: string;
  steps: SmokeStep[];
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

class StepFailed extends Error {}

/**
 * Proves a deployment end to end as ElevenLabs would use it, with a synthetic caller (a 555-01xx
 * number, reserved for fiction): a signed post-call, the pre-call that now knows them and hands
 * the call its memory token, a search with that token (`X-Memory-Token`, as the agent's tool
 * sends it) that finds what they said, and each endpoint refusing a wrong key, a tampered token,
 * no credentials or a wrong signature. A deployment configured for the static key alone
 * (`retrieveAuth` key) is searched with the key instead. The test caller is erased at the end
 * whatever happened, and the erasure is checked through the pre-call.
 */
export async function runSmoke(deployment: Deployment, options: SmokeOptions): Promise<SmokeReport> {
  const keys = await deployment.endpointKeys();
  const { retrieveAuth, memoryScope } = deployment.configuration;
  const useTokens = retrieveAuth !== 'key';
  const call = demoCall({
    callerId: randomDemoCallerId(),
    callerName: 'Smoke Tester',
    agentId: demoAgentFor(memoryScope),
  });
  const callerId = expectCallerId(call.callerId);
  const steps: SmokeStep[] = [];
  const step = async (name: string, work: () => Promise<{ ms: number; detail: string }>) => {
    const startedAt = performance.now();
    let result: SmokeStep;
    try {
      const { ms, detail } = await work();
      result = { name, ok: true, ms, detail };
    } catch (error) {
      result = { name, ok: false, ms: Math.round(performance.now() - startedAt), detail: (error as Error).message };
    }
    steps.push(result);
    options.onStep?.(result);
    return result.ok;
  };
  const { endpoints } = deployment;
  const rawBody = JSON.stringify(call.payload);
  const query = { query: call.search.query, limit: 5 };
  /** As the agent's tool searches: the token alone names the caller. */
  const searchWithToken = (token: string) => request(endpoints.retrieve, query, { [MEMORY_TOKEN_HEADER]: token });
  /** As a tool without a pre-call searches: the static key, and the caller named in the body. */
  const searchWithKey = (retrieveKey: string) =>
    request(
      endpoints.retrieve,
      { ...query, user_id: call.callerId, agent_id: call.agentId },
      { [RETRIEVE_KEY_HEADER]: retrieveKey },
    );
  const preCall = (workspaceKey: string) =>
    request(
      endpoints.clientData,
      {
        caller_id: call.callerId,
        agent_id: call.agentId,
        called_number: call.calledNumber,
        call_sid: 'CA_agentic_memory_smoke',
      },
      { [WORKSPACE_KEY_HEADER]: workspaceKey },
    );
  /** A pre-call's answer: its variables, and the memory token it handed out. */
  const tokenOf = (answer: Answer) => {
    const token = variablesOf(answer)[MEMORY_TOKEN_VARIABLE];
    if (typeof token !== 'string' || token === '') {
      throw new StepFailed(
        `the pre-call answer carries no ${MEMORY_TOKEN_VARIABLE} (is the memory token key readable?)`,
      );
    }
    return token;
  };

  const delivered = await step('post-call: a correctly signed transcription is accepted', async () => {
    const answer = await postCall(endpoints.postCall, rawBody, keys);
    expectStatus(answer, 200);
    return { ms: answer.ms, detail: `200 for conversation ${call.conversationId} (agent ${call.agentId})` };
  });

  try {
    await step('post-call: a wrong signature is refused', async () => {
      const answer = await postCall(endpoints.postCall, rawBody, { ...keys, hmacKey: WRONG_KEY });
      expectStatus(answer, 401);
      return { ms: answer.ms, detail: '401' };
    });
    if (!delivered) return finish();

    await step('ingest: the call becomes memory', async () => {
      const startedAt = performance.now();
      // One pre-call's token serves the whole wait, as it serves a whole call.
      let token: string | undefined;
      if (useTokens) {
        const answer = await preCall(keys.workspaceKey);
        expectStatus(answer, 200);
        token = tokenOf(answer);
      }
      for (;;) {
        const answer = token === undefined ? await searchWithKey(keys.retrieveApiKey) : await searchWithToken(token);
        expectStatus(answer, 200);
        if (mentions(answer, call.search.expectedWord)) break;
        if (performance.now() - startedAt > options.rememberTimeoutMs) {
          throw new StepFailed(
            `nothing about "${call.search.query}" was remembered within ${options.rememberTimeoutMs / 1000} s`,
          );
        }
        await sleep(POLL_INTERVAL_MS);
      }
      return { ms: Math.round(performance.now() - startedAt), detail: 'searchable after the webhook was acknowledged' };
    });

    let memoryToken: string | undefined;
    await step(`pre-call: the caller is known by name${useTokens ? ', with a memory token' : ''}`, async () => {
      const answer = await preCall(keys.workspaceKey);
      expectStatus(answer, 200);
      const variables = variablesOf(answer);
      if (variables.returning_caller !== 'yes')
        throw new StepFailed(`returning_caller is "${String(variables.returning_caller)}"`);
      if (!String(variables.caller_name ?? '').includes('Smoke')) {
        throw new StepFailed(`caller_name is "${String(variables.caller_name)}", not the test caller's name`);
      }
      if (useTokens) memoryToken = tokenOf(answer);
      return {
        ms: answer.ms,
        detail: `returning_caller yes, caller_name ${String(variables.caller_name)}${useTokens ? `, ${MEMORY_TOKEN_VARIABLE} given` : ''}`,
      };
    });

    await step(
      `search with ${useTokens ? MEMORY_TOKEN_HEADER : RETRIEVE_KEY_HEADER}: "${call.search.query}" finds the fact`,
      async () => {
        if (useTokens && memoryToken === undefined) throw new StepFailed('no memory token from the pre-call');
        const answer = useTokens
          ? await searchWithToken(memoryToken as string)
          : await searchWithKey(keys.retrieveApiKey);
        expectStatus(answer, 200);
        if (!mentions(answer, call.search.expectedWord))
          throw new StepFailed(`no memory mentions "${call.search.expectedWord}"`);
        return { ms: answer.ms, detail: counted(memoriesOf(answer).length, 'memory', 'memories') };
      },
    );

    if (useTokens) {
      await step('search: a tampered memory token is refused', async () => {
        if (memoryToken === undefined) throw new StepFailed('no memory token from the pre-call');
        const answer = await searchWithToken(tampered(memoryToken));
        expectStatus(answer, 401);
        return { ms: answer.ms, detail: '401 for the token with its claims altered' };
      });
    }

    await step('search: no credentials are refused', async () => {
      const answer = await request(
        endpoints.retrieve,
        { ...query, user_id: call.callerId, agent_id: call.agentId },
        {},
      );
      expectStatus(answer, 401);
      return { ms: answer.ms, detail: '401' };
    });

    await step('pre-call: a wrong workspace key is refused', async () => {
      const answer = await preCall(WRONG_KEY);
      expectStatus(answer, 401);
      return { ms: answer.ms, detail: '401' };
    });

    if (retrieveAuth === 'token') {
      await step('search: the static API key is refused (retrieveAuth token)', async () => {
        const answer = await searchWithKey(keys.retrieveApiKey);
        expectStatus(answer, 401);
        return { ms: answer.ms, detail: '401: only memory tokens open a search' };
      });
    } else {
      await step('search: a wrong API key is refused', async () => {
        const answer = await searchWithKey(WRONG_KEY);
        expectStatus(answer, 401);
        return { ms: answer.ms, detail: '401' };
      });
    }
  } finally {
    if (delivered) {
      await step('erase: the test caller is forgotten, and a new caller again', async () => {
        const startedAt = performance.now();
        // An ingest still in flight could write after the first pass: erase until nothing is left.
        let erased = 0;
        for (let round = 0; round < 3; round++) {
          const plan = await planErasure(deployment, callerId);
          const report = await eraseCaller(deployment, plan);
          erased += heldMemories(plan).length + report.objectsErased.length;
          if (heldMemories(report.remaining).length === 0) break;
          await sleep(1000);
        }
        const answer = await preCall(keys.workspaceKey);
        expectStatus(answer, 200);
        const returning = variablesOf(answer).returning_caller;
        if (returning !== 'no')
          throw new StepFailed(`after erasure the pre-call still says returning_caller "${String(returning)}"`);
        // That pre-call was archived like any other: erase it too.
        await eraseCaller(deployment, await planErasure(deployment, callerId));
        return {
          ms: Math.round(performance.now() - startedAt),
          detail: `${erased} memories and archived objects erased`,
        };
      });
    }
  }
  return finish();

  function finish(): SmokeReport {
    return { ok: steps.every((s) => s.ok), callerId: call.callerId, steps };
  }
}

/**
 * The token with one character of its claims changed (the part between the first two dots): the
 * bytes a forger would alter to name another caller. A correct endpoint refuses it as unsigned.
 */
export function tampered(token: string): string {
  const at = token.indexOf('.') + 1;
  const index = at > 0 && at < token.length ? at : Math.floor(token.length / 2);
  return `${token.slice(0, index)}${token[index] === 'A' ? 'B' : 'A'}${token.slice(index + 1)}`;
}

function expectCallerId(raw: string): CallerId {
  const parsed = parseCallerId(raw);
  if (!parsed.ok) throw new Error(`the synthetic caller id ${raw} ${parsed.problem}`);
  return parsed.callerId;
}

function postCall(url: string, rawBody: string, keys: EndpointKeys): Promise<Answer> {
  return send(url, rawBody, { [SIGNATURE_HEADER]: signElevenLabsPayload(rawBody, keys.hmacKey, Date.now() / 1000) });
}

function request(url: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
  return send(url, JSON.stringify(body), headers);
}

async function send(url: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const startedAt = performance.now();
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new StepFailed(`${url} did not answer: ${(error as Error).message}`);
  }
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text: text.slice(0, 200) };
  }
  return { status: response.status, body: parsed, ms: Math.round(performance.now() - startedAt) };
}

function expectStatus(answer: Answer, status: number): void {
  if (answer.status !== status)
    throw new StepFailed(`expected ${status}, got ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`);
}

function variablesOf(answer: Answer): Record<string, unknown> {
  return (answer.body.dynamic_variables ?? {}) as Record<string, unknown>;
}

function memoriesOf(answer: Answer): Array<{ memory: string }> {
  return Array.isArray(answer.body.memories) ? (answer.body.memories as Array<{ memory: string }>) : [];
}

function mentions(answer: Answer, word: string): boolean {
  return memoriesOf(answer).some((memory) => memory.memory.toLowerCase().includes(word));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
