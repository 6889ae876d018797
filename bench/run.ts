import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { rawPostCallKey } from '../lambdas/shared/archive/archive-keys';
import type { MemoryBackendName, ServiceName } from '../lib/contract';
import { packageRoot } from '../lib/memory-function';
import { FIXTURES_DIR, readFixture } from '../test/support/fixtures';
import { lambdaContext } from '../test/support/http-event';
import { bundleChecks, coldStartChecks, warmChecks, type WarmFigures } from './budgets';
import { bundleSourceFrom, describeBundleSource, functionBundles } from './bundle-source';
import { bundle } from './bundles';
import { MEMORY_COUNTS, SEARCH_CALLER, SEARCH_QUERY, callerWith, seedAgentCoreCaller, seedCaller } from './callers';
import { measureColdStarts, type ColdStartTarget } from './cold-start';
import { JUDGED_FIGURE, JUDGED_PERCENTILE, MIN_ROUNDS, coldStartCost, type StartupTimes } from './cold-start-verdict';
import { constructEnvironments, loopbackEnvironment } from './construct-environment';
import { asConversation, clientDataEvent, ingestEvent, postCallEvent, retrieveEvent } from './events';
import { BACKEND_CHOICES, backendsOf, benchFunctions, type BenchFunction } from './functions';
import { countStartupInstructions, instructionsOverBare } from './instructions';
import { Peers } from './peers';
import { formatReport, type ColdStartFigure } from './report';
import { distribution, median, round } from './stats';
import type { WarmScenario } from './warm/protocol';
import { runWarm } from './warm/run-warm';

/**
 * `npm run bench`: bundle sizes, cold starts and warm latency of the functions, as bundled for
 * each memory backend (`--backend mem0|agentcore|both`, default both), against their floors, on
 * loopback peers. Prints a table, writes bench/results.json, exits 1 when a budget
 * (bench/budgets.ts) is missed. `-- --iterations 100 --rounds 5 --instruction-rounds 0` for a
 * quick look; `-- --bundles <dir>` measures prebuilt bundles (bench/bundle-source.ts).
 * The method is in bench/README.md.
 */

const LONG_CALL = 'elevenlabs/recorded/post_call_transcription.memoir-session-2-35min.json';

const { values: args } = parseArgs({
  options: {
    iterations: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '20' },
    'instruction-rounds': { type: 'string', default: '1' },
    bundles: { type: 'string' },
    backend: { type: 'string', default: 'both' },
  },
});
/** A whole-number option, or the bench refuses to start (exit 2) rather than fail minutes later. */
function wholeNumber(option: 'iterations' | 'warmup' | 'rounds' | 'instruction-rounds', min: number): number {
  const value = Number(args[option]);
  if (Number.isInteger(value) && value >= min) return value;
  console.error(`--${option} takes a whole number of at least ${min}, not ${JSON.stringify(args[option])}`);
  process.exit(2);
}
const ITERATIONS = wholeNumber('iterations', 1);
const WARMUP = wholeNumber('warmup', 0);
const ROUNDS = wholeNumber('rounds', MIN_ROUNDS);
const INSTRUCTION_ROUNDS = wholeNumber('instruction-rounds', 0);
const BUNDLE_SOURCE = bundleSourceFrom(args.bundles);
const BACKENDS = memoryBackends();
const FUNCTIONS = benchFunctions(BACKENDS);

function memoryBackends(): MemoryBackendName[] {
  const backends = backendsOf(args.backend!);
  if (backends) return backends;
  console.error(`--backend takes ${BACKEND_CHOICES.join(', ')}, not ${JSON.stringify(args.backend)}`);
  process.exit(2);
}

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

async function main(): Promise<number> {
  // The loopback peers' own SDK clients (this process) need not warn that Node 20 is old.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const longCall = readFixture(LONG_CALL);
  const started = new Date();
  const loadBefore = os.loadavg();
  const work = mkdtempSync(path.join(os.tmpdir(), 'agentic-memory-bench-'));
  const peers = await Peers.start();
  try {
    progress(`${FUNCTIONS.map((fn) => fn.name).join(', ')}: ${describeBundleSource(BUNDLE_SOURCE)}`);
    const bundles = await functionBundles(BUNDLE_SOURCE, work, FUNCTIONS);
    const workerFile = path.join(work, 'worker', 'index.js');
    await bundle(path.join(packageRoot(), 'bench', 'warm', 'worker.ts'), workerFile);

    const constructEnv = Object.fromEntries(BACKENDS.map((backend) => [backend, constructEnvironments(backend)]));
    const envOf = (fn: BenchFunction) => {
      const service = fn.service as ServiceName;
      // post-call is the same function with either backend.
      const backend = fn.backend ?? BACKENDS[0];
      const variables = constructEnv[backend][service];
      return loopbackEnvironment(service, variables, peers.endpoints({ ingest: service === 'ingest', backend }));
    };
    progress(`seeding callers with ${MEMORY_COUNTS.join(', ')} memories (${BACKENDS.join(', ')})`);
    for (const memories of MEMORY_COUNTS) {
      if (BACKENDS.includes('mem0')) seedCaller(peers.mem0, callerWith(memories), memories);
      if (BACKENDS.includes('agentcore'))
        await seedAgentCoreCaller(peers.agentCoreStore(), peers.agentCore, callerWith(memories), memories);
    }

    const longCallFile = path.join(FIXTURES_DIR, LONG_CALL);
    const longCallJson = JSON.parse(longCall.toString('utf8')) as {
      data: { conversation_id: string; metadata: { phone_call: { external_number: string } } };
    };
    const longCallId = longCallJson.data.conversation_id;
    const longCallCaller = longCallJson.data.metadata.phone_call.external_number;

    const timed = FUNCTIONS.filter((fn) => fn.timed);
    progress(`cold starts: ${ROUNDS} rounds of bare node, then each function followed by bare node`);
    const fileOf = (fn: BenchFunction) => bundles.find((b) => b.name === fn.name)!.file;
    let coldIngests = 0;
    const httpOk = (response: unknown) => {
      if ((response as { statusCode?: number }).statusCode !== 200)
        throw new Error(`first invocation answered ${JSON.stringify(response)}`);
    };
    const firstInvocationOf: Record<ServiceName, Pick<ColdStartTarget, 'firstInvocation' | 'checkResponse'>> = {
      'client-data': {
        firstInvocation: async () => ({
          event: clientDataEvent(callerWith(10), peers.secrets.workspaceKey, 'CAcold'),
          context: { ...lambdaContext('client-data') },
        }),
        checkResponse: httpOk,
      },
      retrieve: {
        firstInvocation: async () => ({
          event: retrieveEvent(SEARCH_CALLER, SEARCH_QUERY, peers.secrets.retrieveApiKey),
          context: { ...lambdaContext('retrieve') },
        }),
        checkResponse: httpOk,
      },
      'post-call': {
        firstInvocation: async () => ({
          event: postCallEvent(longCall, peers.secrets.hmacKey),
          context: { ...lambdaContext('post-call') },
        }),
        checkResponse: httpOk,
      },
      ingest: {
        firstInvocation: async () => {
          const call = asConversation(longCall, longCallId, `cold${coldIngests++}`);
          const key = rawPostCallKey('post_call_transcription', call.conversationId, call.body, new Date());
          await peers.s3.archive.putJson(key, call.body);
          return {
            event: ingestEvent(peers.s3.bucket, key, call.body.length),
            context: { ...lambdaContext('ingest', { timeoutMs: 60_000 }) },
          };
        },
        checkResponse: (response) => {
          if ((response as { batchItemFailures: unknown[] }).batchItemFailures.length > 0)
            throw new Error('first ingest failed');
        },
      },
    };
    const targets: ColdStartTarget[] = timed.map((fn) => ({
      name: fn.name,
      env: envOf(fn),
      bundle: fileOf(fn),
      ...firstInvocationOf[fn.service as ServiceName],
    }));
    // The bare process: a function's environment (the construct gives all functions the same
    // NODE_OPTIONS, which is what Node itself reads) and no bundle.
    const bareEnv = envOf(timed[0]);
    const cold = await measureColdStarts(targets, bareEnv, ROUNDS, work);
    const loadAfterColdStarts = os.loadavg()[0];

    progress(
      INSTRUCTION_ROUNDS > 0
        ? `instructions: ${INSTRUCTION_ROUNDS} round(s) of bare node and each function under callgrind`
        : 'instructions: not counted (--instruction-rounds 0)',
    );
    const instructions = await countStartupInstructions(
      targets,
      bareEnv,
      INSTRUCTION_ROUNDS,
      path.join(work, 'callgrind'),
    );
    const coldStart: ColdStartFigure[] = timed.map((fn) => ({
      name: fn.name,
      service: fn.service as ServiceName,
      cost: coldStartCost(cold.get(fn.name)!.rounds),
      firstCallMs: round(median(cold.get(fn.name)!.firstCallMs)),
      instructionsOverBare: instructions.measured ? instructionsOverBare(instructions, fn.name) : undefined,
    }));

    const warm: WarmFigures[] = [];
    const scenariosOf = (fn: BenchFunction): WarmScenario[] => {
      switch (fn.service as ServiceName) {
        case 'client-data':
          return MEMORY_COUNTS.map((memories) => ({
            kind: 'client-data',
            name: `${fn.name}, ${memories} memories`,
            callerId: callerWith(memories),
            memories,
          }));
        case 'retrieve':
          return [
            {
              kind: 'retrieve',
              name: `${fn.name} (caller with 100 memories)`,
              callerId: SEARCH_CALLER,
              query: SEARCH_QUERY,
            },
          ];
        case 'post-call':
          return [{ kind: 'post-call', name: `${fn.name}, 35-minute call (290 KB)`, payloadFile: longCallFile }];
        case 'ingest':
          return [
            {
              kind: 'ingest',
              name: `${fn.name}, 35-minute call`,
              payloadFile: longCallFile,
              conversationId: longCallId,
              callerId: longCallCaller,
            },
          ];
      }
    };
    for (const fn of timed) {
      progress(`warm ${fn.name}: ${ITERATIONS} invocations per scenario (after ${WARMUP} warm-up)`);
      const results = await runWarm(workerFile, envOf(fn), {
        bundle: fileOf(fn),
        backend: fn.backend,
        secrets: peers.secrets,
        bucket: peers.s3.bucket,
        warmup: WARMUP,
        iterations: ITERATIONS,
        scenarios: scenariosOf(fn),
      });
      for (const r of results)
        warm.push({
          scenario: r.name,
          service: fn.service as ServiceName,
          ...(fn.backend ? { backend: fn.backend } : {}),
          handler: distribution(r.handler),
          floor: distribution(r.floor),
        });
    }

    const checks = [
      ...bundleChecks(bundles),
      ...coldStartChecks(coldStart.map((c) => ({ name: c.name, cost: c.cost }))),
      ...warmChecks(warm),
    ];
    const machine = {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
      loadAverageBefore: loadBefore.map((l) => Math.round(l * 100) / 100),
      loadAverageAfterColdStarts: Math.round(loadAfterColdStarts * 100) / 100,
      loadAverageAfter: os.loadavg().map((l) => Math.round(l * 100) / 100),
    };
    const header = [
      `AgenticMemory bench · ${started.toISOString().replace(/\.\d+Z$/, 'Z')} · ${Math.round((Date.now() - started.getTime()) / 1000)} s`,
      `${machine.cpu}, ${machine.cores} CPUs · ${machine.memoryGb} GB · ${machine.platform} · Node ${machine.node} · load ${machine.loadAverageBefore[0]} → ${machine.loadAverageAfter[0]}`,
    ].join('\n');
    const report = {
      header,
      backends: BACKENDS,
      bundleSource: describeBundleSource(BUNDLE_SOURCE),
      bundles,
      coldStart,
      coldStartRounds: ROUNDS,
      instructionsNotCounted: instructions.measured ? undefined : instructions.reason,
      instructionRounds: INSTRUCTION_ROUNDS,
      warm,
      iterations: ITERATIONS,
      checks,
    };
    console.log(formatReport(report));
    writeFileSync(
      path.join(packageRoot(), 'bench', 'results.json'),
      `${JSON.stringify(
        {
          date: started.toISOString(),
          machine,
          settings: {
            iterations: ITERATIONS,
            warmup: WARMUP,
            coldStartRounds: ROUNDS,
            instructionRounds: INSTRUCTION_ROUNDS,
            backends: BACKENDS,
            bundles: BUNDLE_SOURCE,
            coldStartJudgedOn: { figure: JUDGED_FIGURE, percentile: JUDGED_PERCENTILE },
          },
          bundles: bundles.map(({ file: _file, ...b }) => b),
          coldStart,
          coldStartRounds: Object.fromEntries(
            [...cold].map(([name, s]) => [
              name,
              s.rounds.map((r) => ({
                bareBefore: roundTimes(r.bareBefore),
                function: roundTimes(r.function),
                bareAfter: roundTimes(r.bareAfter),
              })),
            ]),
          ),
          instructions: instructions.measured
            ? { bare: instructions.bare, functions: Object.fromEntries(instructions.functions) }
            : { notCounted: instructions.reason },
          warm: warm.map((w) => ({
            ...w,
            ratioP50: round(w.handler.p50 / w.floor.p50),
            ratioP99: round(w.handler.p99 / w.floor.p99),
          })),
          budgets: checks,
          passed: checks.every((c) => c.passed),
        },
        null,
        2,
      )}\n`,
    );
    return checks.every((c) => c.passed) ? 0 : 1;
  } finally {
    await peers.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

const roundTimes = (t: StartupTimes) => ({ readyMs: round(t.readyMs), readyCpuMs: round(t.readyCpuMs) });

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? error);
    process.exit(2);
  },
);
