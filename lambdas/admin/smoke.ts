import { WORKSPACE_KEY_HEADER } from '../client-data/handler';
import { demoCall, randomDemoCallerId } from '../local/demo-call';
import { RETRIEVE_KEY_HEADER } from '../retrieve/handler';
import { parseCallerId, type CallerId } from '../shared/caller';
import { signElevenLabsPayload } from '../shared/elevenlabs/signature';
import type { Deployment, EndpointKeys } from './deployment';
import { eraseCaller, planErasure } from './forget';

/** Spelled as ElevenLabs sends it. */
const SIGNATURE_HEADER = 'ElevenLabs-Signature';
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
 * number, reserved for fiction): a signed post-call, the pre-call that now knows them, a search
 * that finds what they said, and each endpoint refusing a wrong key or signature. The test caller
 * is erased at the end whatever happened, and the erasure is checked through the pre-call.
 */
export async function runSmoke(deployment: Deployment, options: SmokeOptions): Promise<SmokeReport> {
  const keys = await deployment.endpointKeys();
  const call = demoCall({ callerId: randomDemoCallerId(), callerName: 'Smoke Tester' });
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
  const search = (retrieveKey: string) =>
    request(
      endpoints.retrieve,
      { query: call.search.query, user_id: call.callerId, limit: 5 },
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

  const delivered = await step('post-call: a correctly signed transcription is accepted', async () => {
    const answer = await postCall(endpoints.postCall, rawBody, keys);
    expectStatus(answer, 200);
    return { ms: answer.ms, detail: `200 for conversation ${call.conversationId}` };
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
      for (;;) {
        const answer = await search(keys.retrieveApiKey);
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

    await step('pre-call: the caller is known and greeted by name', async () => {
      const answer = await preCall(keys.workspaceKey);
      expectStatus(answer, 200);
      const variables = (answer.body.dynamic_variables ?? {}) as Record<string, unknown>;
      if (variables.returning_caller !== 'yes')
        throw new StepFailed(`returning_caller is "${String(variables.returning_caller)}"`);
      if (!String(variables.caller_name ?? '').includes('Smoke')) {
        throw new StepFailed(`caller_name is "${String(variables.caller_name)}", not the test caller's name`);
      }
      return { ms: answer.ms, detail: `returning_caller yes, caller_name ${String(variables.caller_name)}` };
    });

    await step(`search: "${call.search.query}" finds the fact`, async () => {
      const answer = await search(keys.retrieveApiKey);
      expectStatus(answer, 200);
      if (!mentions(answer, call.search.expectedWord))
        throw new StepFailed(`no memory mentions "${call.search.expectedWord}"`);
      return { ms: answer.ms, detail: `${memoriesOf(answer).length} memories` };
    });

    await step('pre-call: a wrong workspace key is refused', async () => {
      const answer = await preCall(WRONG_KEY);
      expectStatus(answer, 401);
      return { ms: answer.ms, detail: '401' };
    });

    await step('search: a wrong API key is refused', async () => {
      const answer = await search(WRONG_KEY);
      expectStatus(answer, 401);
      return { ms: answer.ms, detail: '401' };
    });
  } finally {
    if (delivered) {
      await step('erase: the test caller is forgotten, and a new caller again', async () => {
        const startedAt = performance.now();
        // An ingest still in flight could write after the first pass: erase until nothing is left.
        let erased = 0;
        for (let round = 0; round < 3; round++) {
          const plan = await planErasure(deployment, callerId);
          const report = await eraseCaller(deployment, plan);
          erased += report.memoriesErased + report.objectsErased.length;
          if (report.remaining.memories.length === 0) break;
          await sleep(1000);
        }
        const answer = await preCall(keys.workspaceKey);
        expectStatus(answer, 200);
        const returning = (answer.body.dynamic_variables as Record<string, unknown> | undefined)?.returning_caller;
        if (returning !== 'no')
          throw new StepFailed(`after erasure the pre-call still says returning_caller "${String(returning)}"`);
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

function memoriesOf(answer: Answer): Array<{ memory: string }> {
  return Array.isArray(answer.body.memories) ? (answer.body.memories as Array<{ memory: string }>) : [];
}

function mentions(answer: Answer, word: string): boolean {
  return memoriesOf(answer).some((memory) => memory.memory.toLowerCase().includes(word));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
