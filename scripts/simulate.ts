/**
 * `npm run simulate`: one caller, two calls, against a running local stack (`npm start`).
 * The first call ends and its signed transcript is posted; once it is remembered, the second
 * call's pre-call shows a returning caller greeted by name, and a mid-call search finds what
 * they said. SIMULATE_URL (default http://127.0.0.1:${PORT:-3000}); keys from the environment or
 * the data directory (AGENTIC_MEMORY_HOME, default ./.agentic-memory). Exits 1 on any failure.
 */
import * as path from 'node:path';
import { WORKSPACE_KEY_HEADER } from '../lambdas/client-data/handler';
import { SIGNATURE_HEADER } from '../lambdas/post-call/handler';
import { RETRIEVE_KEY_HEADER } from '../lambdas/retrieve/handler';
import { signElevenLabsPayload } from '../lambdas/shared/elevenlabs/signature';
import { demoCall, randomDemoCallerId, randomDemoName } from '../lambdas/local/demo-call';
import { readLocalKeys } from '../lambdas/local/local-secrets';

const REQUEST_TIMEOUT_MS = 10_000;
/** Mem0 Cloud learns asynchronously and can take many seconds; the embedded store takes milliseconds. */
const INGEST_TIMEOUT_MS = Number(process.env.SIMULATE_TIMEOUT_MS) || 60_000;

class SimulationFailed extends Error {}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

async function main(): Promise<void> {
  const base = (process.env.SIMULATE_URL?.trim() || `http://127.0.0.1:${process.env.PORT?.trim() || 3000}`).replace(
    /\/+$/,
    '',
  );
  const home = path.resolve(process.env.AGENTIC_MEMORY_HOME?.trim() || '.agentic-memory');
  const health = await call('GET', `${base}/health`).catch((error: Error) => {
    throw new SimulationFailed(`no local stack answers at ${base} (${error.message}). Start one with: npm start`);
  });
  expect(health.status === 200, `GET /health answered ${health.status}`);
  const keys = await readLocalKeys(home, process.env).catch((error: Error) => {
    throw new SimulationFailed(error.message);
  });

  const caller = demoCall({ callerId: randomDemoCallerId(), callerName: randomDemoName() });
  const firstName = caller.callerName.split(' ')[0];
  const turns = (caller.payload.data as { transcript: Array<{ role: string; message: string }> }).transcript;
  say(`AgenticMemory simulator → ${base} (memory: ${String(health.body.memory ?? 'unknown')})`);
  say(`A new caller: ${caller.callerName}, ${caller.callerId}`);

  step(1, `The first call ends; ElevenLabs posts its transcript (${turns.length} turns, signed now)`);
  for (const turn of turns) say(`     ${turn.role === 'user' ? 'caller' : 'agent '}  ${turn.message}`);
  const rawBody = JSON.stringify(caller.payload);
  const posted = await call('POST', `${base}/post-call`, rawBody, {
    [SIGNATURE_HEADER]: signElevenLabsPayload(rawBody, keys.hmacKey, Date.now() / 1000),
  });
  result('POST /post-call', posted);
  expect(posted.status === 200, refusal('the webhook', posted));

  step(2, 'Waiting until the call is remembered');
  const searchBody = { query: caller.search.query, user_id: caller.callerId, limit: 3 };
  const retrieveHeaders = { [RETRIEVE_KEY_HEADER]: keys.retrieveApiKey };
  const startedAt = Date.now();
  for (;;) {
    const found = await call('POST', `${base}/retrieve`, JSON.stringify(searchBody), retrieveHeaders);
    expect(found.status === 200, refusal('the search', found));
    if (memoriesOf(found).length > 0) break;
    expect(Date.now() - startedAt < INGEST_TIMEOUT_MS, `nothing was remembered within ${INGEST_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  say(`     remembered ${Date.now() - startedAt} ms after the webhook was acknowledged`);

  step(3, `${firstName} calls again; before the agent speaks, the pre-call webhook asks who it is`);
  const preCall = await call(
    'POST',
    `${base}/client-data`,
    JSON.stringify({
      caller_id: caller.callerId,
      agent_id: caller.agentId,
      called_number: caller.calledNumber,
      call_sid: 'CA_simulated_second_call',
    }),
    { [WORKSPACE_KEY_HEADER]: keys.workspaceKey },
  );
  result('POST /client-data', preCall);
  expect(preCall.status === 200, refusal('the pre-call', preCall));
  const variables = (preCall.body.dynamic_variables ?? {}) as Record<string, string>;
  const firstMessage = (preCall.body.conversation_config_override as { agent?: { first_message?: string } } | undefined)
    ?.agent?.first_message;
  say(
    `     returning caller: ${variables.returning_caller}   caller name: ${variables.caller_name || '(unknown)'}   memories: ${variables.memory_count}`,
  );
  say(
    `     first message:    ${firstMessage === undefined ? '(first-message override is off)' : JSON.stringify(firstMessage)}`,
  );
  say(`     memory summary:   ${variables.memory_summary}`);
  expect(variables.returning_caller === 'yes', 'the caller was not recognised as returning');
  expect(variables.caller_name?.includes(firstName), `the caller's name is not ${firstName}`);
  expect(
    firstMessage === undefined || firstMessage.includes(firstName),
    `the first message does not greet ${firstName}`,
  );

  step(4, `Mid-call, the agent's search_memory tool asks: "${caller.search.query}"`);
  const searched = await call('POST', `${base}/retrieve`, JSON.stringify(searchBody), retrieveHeaders);
  result('POST /retrieve', searched);
  expect(searched.status === 200, refusal('the search', searched));
  for (const memory of memoriesOf(searched))
    say(`     ${memory.score.toFixed(2)}  ${memory.memory.replace(/\s+/g, ' ')}`);
  expect(
    memoriesOf(searched).some((memory) => memory.memory.toLowerCase().includes(caller.search.expectedWord)),
    `no memory mentions "${caller.search.expectedWord}"`,
  );

  say('');
  say(`✓ Memory works: on the second call the agent knew ${firstName} and what they said on the first.`);
}

function refusal(what: string, answer: Answer): string {
  const hint =
    answer.status === 401
      ? " (the keys differ from the running stack's: give the simulator the same AGENTIC_MEMORY_HOME and key variables as npm start)"
      : '';
  return `${what} was answered ${answer.status}: ${JSON.stringify(answer.body)}${hint}`;
}

function memoriesOf(answer: Answer): Array<{ memory: string; score: number }> {
  const memories = answer.body.memories;
  return Array.isArray(memories) ? (memories as Array<{ memory: string; score: number }>) : [];
}

async function call(method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  const startedAt = performance.now();
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed, ms: Math.round(performance.now() - startedAt) };
}

function step(n: number, text: string): void {
  say(`\n${n}. ${text}`);
}

function result(what: string, answer: Answer): void {
  say(`     ${what} → ${answer.status} in ${answer.ms} ms`);
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function expect(condition: boolean | undefined, problem: string): asserts condition {
  if (!condition) throw new SimulationFailed(problem);
}

main().catch((error: unknown) => {
  const message =
    error instanceof SimulationFailed ? error.message : `unexpected error: ${(error as Error).stack ?? String(error)}`;
  process.stderr.write(`\n✗ Simulation failed: ${message}\n`);
  process.exit(1);
});
