/**
 * `npm run simulate`: one caller, two calls, against a running local stack (`npm start`); then a
 * caller who withholds their number. The first call ends and its signed transcript is posted;
 * once it is remembered, the second call's pre-call shows a returning caller greeted by name and
 * hands the call its memory token, and a mid-call search with that token (as the agent's tool
 * sends it) finds what they said. An anonymous caller's call is archived but never remembered:
 * the next anonymous caller is a stranger. The stack is found as the admin CLI finds it: the one
 * running on the data directory (AGENTIC_MEMORY_HOME, default ./.agentic-memory) wrote where it
 * listens and how it is configured into its stack.json, whatever PORT it was started with;
 * SIMULATE_URL overrides the address, and without a running stack PORT (default 3000) names it.
 * Keys from the environment or the data directory. Exits 1 on any failure.
 */
import * as path from 'node:path';
import { tampered } from '../cli/smoke';
import { WORKSPACE_KEY_HEADER } from '../lambdas/client-data/handler';
import { MEMORY_TOKEN_VARIABLE } from '../lambdas/local/getting-started';
import { SIGNATURE_HEADER } from '../lambdas/post-call/handler';
import { MEMORY_TOKEN_HEADER, RETRIEVE_KEY_HEADER } from '../lambdas/retrieve/handler';
import { ENV, retrieveSettings, type RetrieveSettings } from '../lambdas/shared/config';
import { signElevenLabsPayload } from '../lambdas/shared/elevenlabs/signature';
import { demoAgentFor, demoCall, randomDemoCallerId, randomDemoName, type DemoCall } from '../lambdas/local/demo-call';
import { readLocalKeys, type LocalKeys } from '../lambdas/local/local-secrets';
import { findRunningStack, type LocalStackDescriptor } from '../lambdas/local/stack-descriptor';

const REQUEST_TIMEOUT_MS = 10_000;
/** Mem0 Cloud learns asynchronously and can take many seconds; the embedded store takes milliseconds. */
const INGEST_TIMEOUT_MS = Number(process.env.SIMULATE_TIMEOUT_MS) || 60_000;
const WITHHELD_CALLER_ID = 'anonymous';

class SimulationFailed extends Error {}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

interface Stack {
  base: string;
  keys: LocalKeys;
  settings: RetrieveSettings;
  memoryBackend: string;
}

async function main(): Promise<void> {
  const home = path.resolve(process.env.AGENTIC_MEMORY_HOME?.trim() || '.agentic-memory');
  const running = await findRunningStack(home);
  const base = stackUrl(home, running);
  const health = await call('GET', `${base}/health`).catch((error: Error) => {
    throw new SimulationFailed(
      running
        ? `the local stack running on ${home} (process ${running.pid}, stack.json) does not answer at ${base} (${error.message})`
        : `no local stack is running on ${home}, and none answers at ${base} (${error.message}). Start one with: ` +
            'npm start. A stack started with another AGENTIC_MEMORY_HOME is found with that same AGENTIC_MEMORY_HOME.',
    );
  });
  expect(health.status === 200, `GET /health answered ${health.status}`);
  const keys = await readLocalKeys(home, process.env).catch((error: Error) => {
    throw new SimulationFailed(error.message);
  });
  const stack: Stack = {
    base,
    keys,
    settings: stackSettings(running),
    memoryBackend: String(health.body.memory ?? 'unknown'),
  };
  const useTokens = stack.settings.retrieveAuth !== 'key';
  const agentId = demoAgentFor(stack.settings.memoryScope);

  const caller = demoCall({ callerId: randomDemoCallerId(), callerName: randomDemoName(), agentId });
  const firstName = caller.callerName.split(' ')[0];
  const turns = (caller.payload.data as { transcript: Array<{ role: string; message: string }> }).transcript;
  say(
    `AgenticMemory simulator → ${base} (memory: ${stack.memoryBackend}; scope: ${stack.settings.memoryScope.mode}; search: ${stack.settings.retrieveAuth})`,
  );
  say(`A new caller: ${caller.callerName}, ${caller.callerId}`);

  step(1, `The first call ends; ElevenLabs posts its transcript (${turns.length} turns, signed now)`);
  for (const turn of turns) say(`     ${turn.role === 'user' ? 'caller' : 'agent '}  ${turn.message}`);
  const acknowledgedAt = await deliverPostCall(stack, caller);

  step(2, 'Waiting until the call is remembered');
  await ingestDone(stack);
  say(`     ingested ${Date.now() - acknowledgedAt} ms after the webhook was acknowledged`);

  step(3, `${firstName} calls again; before the agent speaks, the pre-call webhook asks who it is`);
  const preCall = await preCallUntilKnown(stack, caller);
  const variables = variablesOf(preCall);
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
  const token = variables[MEMORY_TOKEN_VARIABLE] ?? '';
  if (useTokens) {
    expect(token !== '', `the pre-call answer carries no ${MEMORY_TOKEN_VARIABLE}`);
    say(
      `     memory token:     ${token.slice(0, 12)}… (${MEMORY_TOKEN_VARIABLE}: the search tool's ${MEMORY_TOKEN_HEADER} header; the LLM never sees it)`,
    );
  }

  step(
    4,
    `Mid-call, the agent's search_memory tool asks: "${caller.search.query}"` +
      (useTokens
        ? ` (header ${MEMORY_TOKEN_HEADER}: the token alone says whose memories)`
        : ` (header ${RETRIEVE_KEY_HEADER})`),
  );
  const searched = await search(stack, caller, token);
  result('POST /retrieve', searched);
  expect(searched.status === 200, refusal('the search', searched));
  for (const memory of memoriesOf(searched))
    say(`     ${memory.score.toFixed(2)}  ${memory.memory.replace(/\s+/g, ' ')}`);
  expect(
    memoriesOf(searched).some((memory) => memory.memory.toLowerCase().includes(caller.search.expectedWord)),
    `no memory mentions "${caller.search.expectedWord}"`,
  );
  if (useTokens) {
    const forged = await searchWithToken(stack, caller, tampered(token));
    say(`     the same search with the token's claims altered (one character) → ${forged.status}`);
    expect(forged.status === 401, `a tampered token was answered ${forged.status}, not refused`);
  }

  const stranger = demoCall({ callerId: WITHHELD_CALLER_ID, callerName: otherName(caller.callerName), agentId });
  step(
    5,
    `A caller who withholds their number (caller id "${WITHHELD_CALLER_ID}") calls and says: "my name is ${stranger.callerName}"`,
  );
  await deliverPostCall(stack, stranger);
  await ingestDone(stack);
  say('     archived, and not remembered: a withheld number identifies nobody');
  const nextStranger = await request(stack, '/client-data', preCallBody(stranger, 'CA_simulated_withheld'), {
    [WORKSPACE_KEY_HEADER]: keys.workspaceKey,
  });
  result('another anonymous caller rings: POST /client-data', nextStranger);
  expect(nextStranger.status === 200, refusal('the pre-call', nextStranger));
  const strangerVariables = variablesOf(nextStranger);
  say(
    `     returning caller: ${strangerVariables.returning_caller}   caller name: ${strangerVariables.caller_name || '(unknown)'}   memories: ${strangerVariables.memory_count}`,
  );
  expect(strangerVariables.returning_caller === 'no', 'the next anonymous caller was taken for a returning caller');
  expect(!strangerVariables.caller_name, `the next anonymous caller was named "${strangerVariables.caller_name}"`);
  const strangerSearch = await search(stack, stranger, strangerVariables[MEMORY_TOKEN_VARIABLE] ?? '');
  const found = memoriesOf(strangerSearch).length;
  say(`     their search finds ${found} ${found === 1 ? 'memory' : 'memories'}`);
  expect(strangerSearch.status === 200, refusal('the search', strangerSearch));
  expect(memoriesOf(strangerSearch).length === 0, "an anonymous caller's search found memories");

  say('');
  say(`✓ Memory works: on the second call the agent knew ${firstName} and what they said on the first.`);
  say(`✓ A withheld number is nobody: the next anonymous caller was a stranger, not ${stranger.callerName}.`);
}

/**
 * Where the stack listens: SIMULATE_URL when set; else where the stack running on the data
 * directory says it listens; else PORT on this machine.
 */
function stackUrl(home: string, running: LocalStackDescriptor | undefined): string {
  const given = process.env.SIMULATE_URL?.trim();
  if (given) return given.replace(/\/+$/, '');
  const port = process.env.PORT?.trim();
  if (!running) return `http://127.0.0.1:${port || 3000}`;
  if (port && port !== '0' && new URL(running.url).port !== port) {
    throw new SimulationFailed(
      `PORT is ${port}, but the stack running on ${home} listens at ${running.url}: to simulate the stack on port ` +
        `${port}, set AGENTIC_MEMORY_HOME to its data directory (its keys are there); or unset PORT`,
    );
  }
  return running.url;
}

/** The running stack's configuration (its stack.json), else this environment's, read as the handlers read it. */
function stackSettings(running: LocalStackDescriptor | undefined): RetrieveSettings {
  const configuration = running?.configuration;
  try {
    return retrieveSettings(
      configuration
        ? {
            [ENV.memoryScope]: configuration.memoryScope,
            [ENV.memoryScopeMap]: configuration.memoryScopeMap,
            [ENV.retrieveAuth]: configuration.retrieveAuth,
          }
        : process.env,
    );
  } catch (error) {
    throw new SimulationFailed((error as Error).message);
  }
}

async function deliverPostCall(stack: Stack, caller: DemoCall): Promise<number> {
  const rawBody = JSON.stringify(caller.payload);
  const posted = await call('POST', `${stack.base}/post-call`, rawBody, {
    [SIGNATURE_HEADER]: signElevenLabsPayload(rawBody, stack.keys.hmacKey, Date.now() / 1000),
  });
  result('POST /post-call', posted);
  expect(posted.status === 200, refusal('the webhook', posted));
  return Date.now();
}

/** The stack's ingest queue is empty: every acknowledged post-call has been ingested. */
async function ingestDone(stack: Stack): Promise<void> {
  const startedAt = Date.now();
  for (;;) {
    const health = await call('GET', `${stack.base}/health`);
    if (health.body.ingestQueueDepth === 0) return;
    expect(Date.now() - startedAt < INGEST_TIMEOUT_MS, `nothing was ingested within ${INGEST_TIMEOUT_MS / 1000} s`);
    await sleep(50);
  }
}

/** The second call's pre-call; Mem0 learns asynchronously, so there it is asked again until it knows the caller. */
async function preCallUntilKnown(stack: Stack, caller: DemoCall): Promise<Answer> {
  const startedAt = Date.now();
  for (;;) {
    const answer = await request(stack, '/client-data', preCallBody(caller, 'CA_simulated_second_call'), {
      [WORKSPACE_KEY_HEADER]: stack.keys.workspaceKey,
    });
    result('POST /client-data', answer);
    expect(answer.status === 200, refusal('the pre-call', answer));
    const known = variablesOf(answer).returning_caller === 'yes';
    if (known || stack.memoryBackend !== 'mem0' || Date.now() - startedAt > INGEST_TIMEOUT_MS) return answer;
    say('     (Mem0 is still learning the call: asking again in a second)');
    await sleep(1000);
  }
}

/** A demo name that is not `name`: the stranger must not sound like the first caller. */
function otherName(name: string): string {
  for (;;) {
    const other = randomDemoName();
    if (other !== name) return other;
  }
}

function preCallBody(caller: DemoCall, callSid: string) {
  return {
    caller_id: caller.callerId,
    agent_id: caller.agentId,
    called_number: caller.calledNumber,
    call_sid: callSid,
  };
}

/** As the agent's tool searches: with the call's memory token, or (retrieveAuth key) the static key and user_id. */
function search(stack: Stack, caller: DemoCall, token: string): Promise<Answer> {
  if (stack.settings.retrieveAuth !== 'key') return searchWithToken(stack, caller, token);
  return request(
    stack,
    '/retrieve',
    {
      query: caller.search.query,
      user_id: caller.callerId,
      ...(stack.settings.memoryScope.mode === 'agent' ? { agent_id: caller.agentId } : {}),
      limit: 3,
    },
    { [RETRIEVE_KEY_HEADER]: stack.keys.retrieveApiKey },
  );
}

function searchWithToken(stack: Stack, caller: DemoCall, token: string): Promise<Answer> {
  return request(stack, '/retrieve', { query: caller.search.query, limit: 3 }, { [MEMORY_TOKEN_HEADER]: token });
}

function refusal(what: string, answer: Answer): string {
  const hint =
    answer.status === 401
      ? " (the keys differ from the running stack's: give the simulator the same AGENTIC_MEMORY_HOME and key variables as npm start)"
      : '';
  return `${what} was answered ${answer.status}: ${JSON.stringify(answer.body)}${hint}`;
}

function variablesOf(answer: Answer): Record<string, string> {
  return (answer.body.dynamic_variables ?? {}) as Record<string, string>;
}

function memoriesOf(answer: Answer): Array<{ memory: string; score: number }> {
  const memories = answer.body.memories;
  return Array.isArray(memories) ? (memories as Array<{ memory: string; score: number }>) : [];
}

function request(stack: Stack, route: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
  return call('POST', `${stack.base}${route}`, JSON.stringify(body), headers);
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

main().catch((error: unknown) => {
  const message =
    error instanceof SimulationFailed ? error.message : `unexpected error: ${(error as Error).stack ?? String(error)}`;
  process.stderr.write(`\n✗ Simulation failed: ${message}\n`);
  process.exit(1);
});
