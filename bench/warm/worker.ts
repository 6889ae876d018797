import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { memoriesFromConversation } from '../../lambdas/ingest/conversation-memories';
import { callerTranscriptKey, rawPostCallKey } from '../../lambdas/shared/archive/archive-keys';
import { createS3Client } from '../../lambdas/shared/archive/archive';
import type { CallerId } from '../../lambdas/shared/caller';
import { ENV, clientDataSettings, requiredEnv, retrieveSettings } from '../../lambdas/shared/config';
import { parsePostCallPayload } from '../../lambdas/shared/elevenlabs/post-call-schema';
import { createAgentCoreClient } from '../../lambdas/shared/memory/agentcore-client';
import { AgentCoreMemoryStore } from '../../lambdas/shared/memory/agentcore-store';
import { mem0Client } from '../../lambdas/shared/memory/mem0-store';
import { lambdaContext } from '../../test/support/http-event';
import { asConversation, clientDataEvent, ingestEvent, postCallEvent, retrieveEvent } from '../events';
import { AgentCoreFloor } from './agentcore-floor';
import { Floors, type MemoryFloor } from './floors';
import { Mem0Floor } from './mem0-floor';
import type { ScenarioSamples, WarmPlan, WarmScenario, WorkerReport } from './protocol';

/**
 * A warm function: runs in its own Node process with the function's environment, loads the
 * function's bundle once, then invokes the handler and its floor alternately (which goes first
 * alternates too), so both see the same load, connections and caches. Bundled with the
 * construct's options: the floor's clients are the same code as the handler's.
 */

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** One scenario's steps; only `invoke` and `floor` are timed. */
interface Runner {
  setup(i: number): Promise<void>;
  invoke(): Promise<unknown>;
  check(response: unknown): Promise<void>;
  floor(i: number): Promise<void>;
  teardown(i: number): Promise<void>;
}

process.once('message', (plan: WarmPlan) => {
  run(plan).then(
    (results) => report({ kind: 'done', results }),
    (error: Error) => report({ kind: 'failed', error: error.stack ?? String(error) }),
  );
});

function report(message: WorkerReport): void {
  process.send!(message, () => process.exit(0));
}

async function run(plan: WarmPlan): Promise<ScenarioSamples[]> {
  // The bundle path is only known at run time: loaded by Node, not bundled into the worker.
  const { handler } = createRequire(__filename)(plan.bundle) as { handler: Handler };
  const s3 = createS3Client({ endpoint: process.env[ENV.archiveEndpoint] });
  const bucket = plan.bucket;
  const memory = memoryOf(plan);
  const floors = new Floors(memory?.floor, s3, bucket);
  const context = { handler, s3, bucket, floors, plan, forgetCaller: memory?.forgetCaller };

  const results: ScenarioSamples[] = [];
  for (const scenario of plan.scenarios) {
    const runner = runnerFor(scenario, context);
    const samples: ScenarioSamples = { name: scenario.name, handler: [], floor: [] };
    for (let i = 0; i < plan.warmup + plan.iterations; i++) {
      await runner.setup(i);
      let handlerMs: number;
      let floorMs: number;
      if (i % 2 === 0) {
        handlerMs = await timeHandler(runner);
        floorMs = await timed(() => runner.floor(i));
      } else {
        floorMs = await timed(() => runner.floor(i));
        handlerMs = await timeHandler(runner);
      }
      await runner.teardown(i);
      if (i >= plan.warmup) {
        samples.handler.push(handlerMs);
        samples.floor.push(floorMs);
      }
    }
    results.push(samples);
  }
  return results;
}

/**
 * The floor's memory calls, with the client the function's adapter uses, configured as the
 * function's environment configures it; and how the ingest benchmark clears its caller's
 * memories between rounds (untimed).
 */
function memoryOf(
  plan: WarmPlan,
): { floor: MemoryFloor; forgetCaller: (callerId: string) => Promise<void> } | undefined {
  if (plan.backend === 'mem0') {
    const mem0 = mem0Client(plan.secrets.mem0ApiKey, process.env[ENV.mem0Host]);
    return { floor: new Mem0Floor(mem0), forgetCaller: async (userId) => void (await mem0.deleteAll({ userId })) };
  }
  if (plan.backend === 'agentcore') {
    // As agentCoreFromEnvironment builds it: the endpoint of the environment, signed with its credentials.
    const client = createAgentCoreClient({
      region: requiredEnv('AWS_REGION'),
      endpoint: requiredEnv(ENV.agentCoreEndpoint),
      credentials: {
        accessKeyId: requiredEnv('AWS_ACCESS_KEY_ID'),
        secretAccessKey: requiredEnv('AWS_SECRET_ACCESS_KEY'),
      },
    });
    const memoryId = requiredEnv(ENV.agentCoreMemoryId);
    const store = new AgentCoreMemoryStore({ client, memoryId });
    return {
      floor: new AgentCoreFloor(client, memoryId),
      forgetCaller: (callerId) => store.deleteCaller(callerId as CallerId),
    };
  }
  return undefined;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function timeHandler(runner: Runner): Promise<number> {
  const started = performance.now();
  const response = await runner.invoke();
  const elapsed = performance.now() - started;
  await runner.check(response);
  return elapsed;
}

interface WorkerContext {
  handler: Handler;
  s3: ReturnType<typeof createS3Client>;
  bucket: string;
  floors: Floors;
  plan: WarmPlan;
  forgetCaller?: (callerId: string) => Promise<void>;
}

function runnerFor(scenario: WarmScenario, worker: WorkerContext): Runner {
  switch (scenario.kind) {
    case 'client-data':
      return clientDataRunner(scenario, worker);
    case 'retrieve':
      return retrieveRunner(scenario, worker);
    case 'post-call':
      return postCallRunner(scenario, worker);
    case 'ingest':
      return ingestRunner(scenario, worker);
  }
}

function httpAnswer(response: unknown, name: string): Record<string, unknown> {
  const { statusCode, body } = response as { statusCode: number; body: string };
  if (statusCode !== 200) throw new Error(`${name} answered ${statusCode}: ${body}`);
  return JSON.parse(body) as Record<string, unknown>;
}

function clientDataRunner(scenario: Extract<WarmScenario, { kind: 'client-data' }>, worker: WorkerContext): Runner {
  const settings = clientDataSettings();
  let event: ReturnType<typeof clientDataEvent>;
  let context: Context;
  let record = '';
  return {
    async setup(i) {
      event = clientDataEvent(
        scenario.callerId,
        worker.plan.secrets.workspaceKey,
        `CAbench${String(i).padStart(6, '0')}`,
      );
      context = lambdaContext('client-data');
    },
    invoke: () => worker.handler(event, context),
    async check(response) {
      const answer = httpAnswer(response, scenario.name);
      const count = (answer.dynamic_variables as Record<string, string>).memory_count;
      // A degraded answer (memory unreachable) would be a new caller's: not what is measured.
      if (count !== String(scenario.memories))
        throw new Error(`${scenario.name}: memory_count ${count}, expected ${scenario.memories}`);
      // The floor archives a record of the same size as the handler's: request and answer.
      record = JSON.stringify({
        received_at: new Date().toISOString(),
        request: JSON.parse(event.body!),
        response: answer,
      });
    },
    floor: (i) =>
      worker.floors.clientData(
        scenario.callerId,
        settings,
        record,
        `client-data/bench-floor/${scenario.callerId}/${i}.json`,
      ),
    teardown: async () => undefined,
  };
}

function retrieveRunner(scenario: Extract<WarmScenario, { kind: 'retrieve' }>, worker: WorkerContext): Runner {
  const limit = retrieveSettings().defaultLimit;
  let event: ReturnType<typeof retrieveEvent>;
  let context: Context;
  return {
    async setup() {
      event = retrieveEvent(scenario.callerId, scenario.query, worker.plan.secrets.retrieveApiKey);
      context = lambdaContext('retrieve');
    },
    invoke: () => worker.handler(event, context),
    async check(response) {
      const found = httpAnswer(response, scenario.name).memories as unknown[];
      if (found.length === 0) throw new Error(`${scenario.name}: the search found nothing`);
    },
    floor: () => worker.floors.retrieve(scenario.callerId, scenario.query, limit),
    teardown: async () => undefined,
  };
}

function postCallRunner(scenario: Extract<WarmScenario, { kind: 'post-call' }>, worker: WorkerContext): Runner {
  const rawBody = readFileSync(scenario.payloadFile);
  let event: ReturnType<typeof postCallEvent>;
  let context: Context;
  return {
    async setup() {
      event = postCallEvent(rawBody, worker.plan.secrets.hmacKey);
      context = lambdaContext('post-call');
    },
    invoke: () => worker.handler(event, context),
    async check(response) {
      httpAnswer(response, scenario.name);
    },
    // The handler's key repeats (same body, same day: a retry overwrites itself); so does this one.
    floor: () => worker.floors.postCall(rawBody, 'post-call/bench-floor/post_call_transcription.json'),
    teardown: async () => undefined,
  };
}

function ingestRunner(scenario: Extract<WarmScenario, { kind: 'ingest' }>, worker: WorkerContext): Runner {
  const template = readFileSync(scenario.payloadFile);
  const table = requiredEnv(ENV.idempotencyTable);
  const { s3, bucket } = worker;
  const put = (key: string, body: Buffer) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
  const remove = (key: string) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  let handlerCall: { conversationId: string; rawKey: string; event: ReturnType<typeof ingestEvent>; context: Context };
  let floorCall: Parameters<Floors['ingest']>[0];
  return {
    // Each round ingests a new conversation (a repeat would be an idempotent no-op), archived first.
    async setup(i) {
      const mine = asConversation(template, scenario.conversationId, `h${i}`);
      const rawKey = rawPostCallKey('post_call_transcription', mine.conversationId, mine.body, new Date());
      await put(rawKey, mine.body);
      handlerCall = {
        conversationId: mine.conversationId,
        rawKey,
        event: ingestEvent(bucket, rawKey, mine.body.length),
        context: lambdaContext('ingest', { timeoutMs: 60_000 }),
      };

      const floors = asConversation(template, scenario.conversationId, `f${i}`);
      const floorRawKey = rawPostCallKey('post_call_transcription', floors.conversationId, floors.body, new Date());
      await put(floorRawKey, floors.body);
      const payload = parsePostCallPayload(JSON.parse(floors.body.toString('utf8')) as Record<string, unknown>);
      if (payload.type !== 'post_call_transcription') throw new Error('the ingest payload is not a transcription');
      floorCall = {
        rawKey: floorRawKey,
        copyKey: callerTranscriptKey(scenario.callerId, floors.conversationId),
        callerId: scenario.callerId,
        memories: memoriesFromConversation(payload.conversation),
        table,
        keyPrefix: 'bench-floor',
      };
    },
    invoke: () => worker.handler(handlerCall.event, handlerCall.context),
    async check(response) {
      const failures = (response as { batchItemFailures: unknown[] }).batchItemFailures;
      if (failures.length > 0) throw new Error(`${scenario.name}: the record failed`);
      // Written before the memories: its presence and no failure mean the memories were written too.
      await s3.send(
        new HeadObjectCommand({
          Bucket: bucket,
          Key: callerTranscriptKey(scenario.callerId, handlerCall.conversationId),
        }),
      );
    },
    floor: () => worker.floors.ingest(floorCall),
    async teardown(i) {
      await Promise.all([
        remove(handlerCall.rawKey),
        remove(callerTranscriptKey(scenario.callerId, handlerCall.conversationId)),
        remove(floorCall.rawKey),
        remove(floorCall.copyKey),
      ]);
      // Keeps the memory server's store (and its O(n) filters) from growing run by run.
      if (i % 50 === 49) await worker.forgetCaller?.(scenario.callerId);
    },
  };
}
