import { DEFAULT_NEW_CALLER_GREETING } from '../../lambdas/shared/config';
import { removeHome, startTestStack, tempHome, type TestStack } from '../local/local-stack-support';
import { MEMORY_BACKENDS_UNDER_TEST, startMemoryPeer, type MemoryPeer, type StoreFault } from '../support/memory-peers';
import {
  dynamicVariables,
  fictionalNumber,
  postCallTo,
  preCallTo,
  searchAt,
  send,
  testCall,
  type Answer,
  type TestCall,
} from './support/calls';
import { SCHEDULING_SLACK_MS } from '../support/timing';

/**
 * The caller is on the line: pre-call and in-call must answer within their deadline whatever the
 * memory store does — pre-call with the new-caller answer (200), in-call with a fast 503 — and be
 * themselves again as soon as it is back, without a restart. Over HTTP, against the local stack
 * on each memory backend (Mem0's routes; the AgentCore data plane).
 */
const DEADLINE_MS = 300;
const BOUND_MS = DEADLINE_MS + SCHEDULING_SLACK_MS;
const SAMPLES = 3;
/** Calls ringing at once. They share this process with the stack, so each is bounded loosely. */
const BURST = 5;
const BURST_BOUND_MS = 2 * DEADLINE_MS + SCHEDULING_SLACK_MS;

const OUTAGES: Array<[string, StoreFault]> = [
  ['hangs', { kind: 'hang' }],
  ['answers after 2 s', { kind: 'normal', delayMs: 2000 }],
  ['answers 503', { kind: 'error', status: 503 }],
  ['answers 500', { kind: 'error', status: 500 }],
  ['rate-limits (429)', { kind: 'throttle' }],
  ['resets connections', { kind: 'reset' }],
];

/** The local stack on the memory store's loopback server, with the deadline above, warmed up. */
async function startStack(memory: MemoryPeer): Promise<{ home: string; test: TestStack }> {
  const home = await tempHome();
  const test = await startTestStack(home, {
    env: { ...memory.localStackEnv(), MEMORY_DEADLINE_MS: String(DEADLINE_MS) },
  });
  await warmUp(test);
  return { home, test };
}

/** A caller and the two endpoints the agent calls for them. */
function agentOf(test: () => TestStack, call: TestCall) {
  const preCall = () => preCallTo(test().stack.url, call.callerId, test().stack.keys.workspaceKey);
  const search = () => searchAt(test().stack.url, call.callerId, call.search.query, test().stack.keys.retrieveApiKey);

  /**
   * Requests one at a time, each within the deadline + the scheduling slack (requests of our own side by side
   * would be timed against each other: the stack shares this process's event loop); then a burst
   * of calls ringing at once, all with the same answers and none held anywhere near as long as
   * the store takes.
   */
  async function duringOutage(): Promise<void> {
    for (let sample = 0; sample < SAMPLES; sample++) {
      const preCallAnswer = await preCall();
      expectNewCallerAnswer(preCallAnswer);
      expect({ endpoint: 'pre-call', withinBound: preCallAnswer.ms < BOUND_MS, ms: preCallAnswer.ms }).toMatchObject({
        withinBound: true,
      });
      const searchAnswer = await search();
      expectUnavailable(searchAnswer);
      expect({ endpoint: 'in-call', withinBound: searchAnswer.ms < BOUND_MS, ms: searchAnswer.ms }).toMatchObject({
        withinBound: true,
      });
    }
    const [preCalls, searches] = await Promise.all([
      Promise.all(Array.from({ length: BURST }, preCall)),
      Promise.all(Array.from({ length: BURST }, search)),
    ]);
    preCalls.forEach(expectNewCallerAnswer);
    searches.forEach(expectUnavailable);
    for (const answer of [...preCalls, ...searches]) expect(answer.ms).toBeLessThan(BURST_BOUND_MS);
  }

  async function recovered(): Promise<void> {
    const known = await preCall();
    expect(known.status).toBe(200);
    expect(dynamicVariables(known)).toMatchObject({ returning_caller: 'yes', caller_name: call.callerName });
    const found = await search();
    expect(found.status).toBe(200);
    const memories = found.body.memories as Array<{ memory: string }>;
    expect(memories.some((m) => m.memory.toLowerCase().includes(call.search.expectedWord))).toBe(true);
  }

  return { duringOutage, recovered };
}

/** Every degraded answer is logged: one warning per pre-call and one per search during outages. */
function expectDegradedAnswersLogged(test: TestStack, outages: number): void {
  const entries = test.logLines.map((line) => JSON.parse(line) as { level: string; message: string; service: string });
  const count = (service: string, message: RegExp) =>
    entries.filter((e) => e.level === 'WARN' && e.service === service && message.test(e.message)).length;
  expect(count('client-data', /memory unavailable/)).toBe((SAMPLES + BURST) * outages);
  expect(count('retrieve', /memory search failed/)).toBe((SAMPLES + BURST) * outages);
}

describe.each(MEMORY_BACKENDS_UNDER_TEST)('memory in %s', (backend) => {
  describe('pre-call and in-call while the memory store is down from the moment the stack starts', () => {
    let memory: MemoryPeer;
    let started: { home: string; test: TestStack };
    const call = testCall(fictionalNumber(312, 6), 1);
    const agent = agentOf(() => started.test, call);

    beforeAll(async () => {
      memory = await startMemoryPeer(backend);
      // Mem0's constructor ping included: the stack meets the store for the first time during the outage.
      memory.behave({ kind: 'hang', evenPing: true });
      started = await startStack(memory);
    });
    afterAll(async () => {
      await started.test.stack.stop();
      await memory.close();
      await removeHome(started.home);
    });

    it('answer within the deadline, and learn from the first call once the store is back', async () => {
      await agent.duringOutage();
      memory.behave({ kind: 'normal' });
      expect((await postCallTo(started.test.stack.url, call.rawBody, started.test.stack.keys.hmacKey)).status).toBe(
        200,
      );
      await started.test.stack.ingestIdle();
      await agent.recovered();
      expectDegradedAnswersLogged(started.test, 1);
    });
  });

  describe('pre-call and in-call while the memory store is down, and after', () => {
    let memory: MemoryPeer;
    let started: { home: string; test: TestStack };
    const call = testCall(fictionalNumber(312, 7), 2);
    const agent = agentOf(() => started.test, call);

    beforeAll(async () => {
      memory = await startMemoryPeer(backend);
      started = await startStack(memory);
      expect((await postCallTo(started.test.stack.url, call.rawBody, started.test.stack.keys.hmacKey)).status).toBe(
        200,
      );
      await started.test.stack.ingestIdle();
      await agent.recovered();
    });
    afterAll(async () => {
      await started.test.stack.stop();
      await memory.close();
      await removeHome(started.home);
    });

    it.each(OUTAGES)(
      'answer within the deadline while the store %s, and are themselves again once it is back',
      async (_, fault) => {
        memory.behave(fault);
        await agent.duringOutage();
        memory.behave({ kind: 'normal' });
        await agent.recovered();
      },
    );

    it('log each degraded answer', () => {
      expectDegradedAnswersLogged(started.test, OUTAGES.length);
    });
  });
});

function expectNewCallerAnswer(answer: Answer): void {
  expect(answer.status).toBe(200);
  expect(dynamicVariables(answer)).toMatchObject({ returning_caller: 'no', caller_name: '', memory_count: '0' });
  const override = answer.body.conversation_config_override as { agent?: { first_message?: string } } | undefined;
  expect(override?.agent?.first_message).toBe(DEFAULT_NEW_CALLER_GREETING);
}

function expectUnavailable(answer: Answer): void {
  expect(answer).toMatchObject({ status: 503, body: { error: 'memory temporarily unavailable' } });
}

/**
 * The first request through each path pays for loading code (the S3 client's first PutObject
 * alone takes a while): done here, on paths that do not touch the memory store, so that its first
 * contact still happens during the outage.
 */
async function warmUp(test: TestStack): Promise<void> {
  const { stack } = test;
  const notTranscription = JSON.stringify({
    type: 'call_initiation_failure',
    data: { conversation_id: 'conv_warm_up', failure_reason: 'busy' },
  });
  expect((await postCallTo(stack.url, notTranscription, stack.keys.hmacKey)).status).toBe(200);
  await stack.ingestIdle();
  expect((await preCallTo(stack.url, '+15555550199', 'not-the-key')).status).toBe(401);
  expect(
    (await send(stack.urls.retrieve, { body: '{}', headers: { 'X-Api-Key': stack.keys.retrieveApiKey } })).status,
  ).toBe(400);
}
