/**
 * `npm run load`: the local stack under load, on this machine only (127.0.0.1).
 *
 * Starts the local stack in this process (a worker thread of its own, so that it does not share an
 * event loop with the load generator) on an ephemeral port with a temporary data directory and the
 * embedded memory store, and drives it with autocannon: 100 connections for 30 s of mixed traffic
 * — pre-call, in-call search and post-call, every post-call a new conversation of one of 1,000
 * callers, signed as ElevenLabs signs it. Then it waits for ingestion to finish and checks:
 *
 *   - no errors: every answer a 2xx, no connection error, no timeout, and no warning or error
 *     logged (a degraded pre-call answer is a 200 with a warning: it counts as a failure) — save
 *     the pre-call's best-effort archive write running over its 1 s deadline when the embedded S3
 *     server falls behind, which never changes an answer: those are counted and reported;
 *   - no lost post-call: every acknowledged conversation is ingested, once (ingest ledger and the
 *     embedded store's files), and nothing is dead-lettered;
 *   - flat memory: the stack's live heap (after a full GC) once ingestion has finished exceeds the
 *     one after warm-up by no more than holding the data stored since takes, plus a fixed slack
 *     (see MEMORY_SLACK_BYTES).
 *
 * Reports throughput and latency (p50, p99, max) per endpoint. Exits 1 on any failure.
 * LOAD_DURATION_S and LOAD_CONNECTIONS change the run's length and total connections.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';
import { demoCall } from '../lambdas/local/demo-call';
import { IngestLedger } from '../lambdas/local/ingest-ledger';
import type { LocalKeys } from '../lambdas/local/local-secrets';
import { startLocalStack } from '../lambdas/local/local-stack';
import { signElevenLabsPayload } from '../lambdas/shared/elevenlabs/signature';
import { EmbeddedMemoryStore, callerSnippets } from '../lambdas/shared/memory/embedded-store';
import type { ConversationTurn } from '../lambdas/shared/memory';

const DURATION_S = positive(process.env.LOAD_DURATION_S, 30);
const CONNECTIONS = positive(process.env.LOAD_CONNECTIONS, 100);
/** Of the connections: pre-call and in-call share 80 %, post-call takes 20 %. */
const MIX = { 'pre-call': 0.4, 'in-call': 0.4, 'post-call': 0.2 } as const;
type Endpoint = keyof typeof MIX;
const PATHS: Record<Endpoint, string> = {
  'pre-call': '/client-data',
  'in-call': '/retrieve',
  'post-call': '/post-call',
};
/** Memory is measured from here on: code loaded, caches and pools at their working size. */
const WARM_UP_S = Math.min(10, Math.floor(DURATION_S / 3));
/**
 * Ingestion after the traffic may take as long as it keeps making progress (the backlog is as long
 * as the traffic was fast), but no longer than DRAIN_LIMIT_MS, and fails when the ingest queue has
 * not shrunk for DRAIN_STALL_MS.
 */
const DRAIN_LIMIT_MS = 300_000;
const DRAIN_STALL_MS = 30_000;
/** Whatever happens, the run ends: traffic, ingestion, checks and a margin. */
const WATCHDOG_MS = DURATION_S * 1000 + DRAIN_LIMIT_MS + 90_000;
const SAMPLE_MS = 500;
/**
 * How much the stack's live heap may grow between the end of warm-up and the end of ingestion,
 * beyond the data it was given to keep. The embedded store keeps every caller it has read in
 * memory, with a search index once searched, and the ingest ledger keeps every inbox key: that
 * working set grows with every call stored, by design. It is measured after the run by loading
 * the data directory into a fresh store in this thread (every caller read and searched, as the
 * traffic did) and weighing the heap before and after; the share of it stored after warm-up is
 * allowed. Beyond that, MEMORY_SLACK_BYTES covers what is not data: buffers, sockets and requests
 * in flight, JIT code, allocator rounding. Runs on 2 cores grow about 6 MB less than the data
 * allows (the fresh store weighs a little more than the stack's, and the stack holds 100 requests
 * in flight at warm-up, none at the end), so a leak breaks the bound from about 14 MB: 800 bytes
 * per request over the ~18,000 requests after warm-up. The report prints the headroom per request.
 */
const MEMORY_SLACK_BYTES = 8 * 1024 * 1024;
const CALLERS = Array.from(
  { length: 1000 },
  (_, i) => `+1${201 + Math.floor(i / 100)}55501${String(i % 100).padStart(2, '0')}`,
);
const QUERIES = ['peanut allergy', 'birthday cake', 'delivery address', 'text message', 'lemon sponge', 'neighbour'];
const NAMES = ['Margaret Ellison', 'Daniel Okafor', 'Priya Raman', 'Tomás Herrera', 'Aisha Bello', 'Henrik Larsen'];

// ---- messages between the two threads ---------------------------------------------------------------

type Command = { id: number } & ({ type: 'checkpoint' } | { type: 'drain' } | { type: 'stop' });

interface Checkpoint {
  heapUsed: number;
  rss: number;
  /** Bytes in the memory store's files and the ingest ledger. */
  storedBytes: number;
  queueDepth: number;
}

interface LogStats {
  byLevel: Record<string, number>;
  /** Pre-calls answered whose exchange could not be archived in time. */
  unarchivedPreCalls: number;
  /** Any other warning or error. */
  problems: number;
  examples: string[];
}

type Reply =
  | { type: 'ready'; url: string; keys: LocalKeys }
  | { type: 'sample'; rss: number; heapUsed: number; queueDepth: number }
  | { type: 'done'; id: number; checkpoint?: Checkpoint; drainMs?: number; logs?: LogStats; loopDelayP99Ms?: number }
  | { type: 'failed'; message: string };

// ---- the stack's thread ---------------------------------------------------------------------------------

async function stackThread(home: string): Promise<void> {
  const port = parentPort as NonNullable<typeof parentPort>;
  const reply = (message: Reply) => port.postMessage(message);
  const gc = exposedGc();
  const logs: LogStats = { byLevel: {}, unarchivedPreCalls: 0, problems: 0, examples: [] };
  const stack = await startLocalStack({
    port: 0,
    host: '127.0.0.1',
    home,
    env: {},
    log: {
      format: 'json',
      level: 'INFO',
      write: (line, level) => {
        logs.byLevel[level] = (logs.byLevel[level] ?? 0) + 1;
        if (level === 'INFO' || level === 'DEBUG') return;
        // The pre-call's archive write is best-effort by design (it never fails the answer): counted apart.
        if (level === 'WARN' && line.includes('pre-call archive failed')) {
          logs.unarchivedPreCalls += 1;
          return;
        }
        logs.problems += 1;
        if (logs.examples.length < 5) logs.examples.push(line);
      },
    },
  });
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let queueDepth = 0;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    reply({ type: 'sample', rss: usage.rss, heapUsed: usage.heapUsed, queueDepth });
    void fetch(stack.urls.health)
      .then((response) => response.json() as Promise<{ ingestQueueDepth: number }>)
      .then(
        (health) => (queueDepth = health.ingestQueueDepth),
        () => undefined,
      );
  }, SAMPLE_MS);

  port.on('message', (command: Command) => {
    void (async () => {
      if (command.type === 'checkpoint') {
        gc();
        const usage = process.memoryUsage();
        const health = (await (await fetch(stack.urls.health)).json()) as { ingestQueueDepth: number };
        const checkpoint = {
          heapUsed: usage.heapUsed,
          rss: usage.rss,
          storedBytes: await storedBytes(home),
          queueDepth: health.ingestQueueDepth,
        };
        reply({ type: 'done', id: command.id, checkpoint });
      } else if (command.type === 'drain') {
        const startedAt = performance.now();
        await stack.ingestIdle();
        reply({ type: 'done', id: command.id, drainMs: performance.now() - startedAt });
      } else {
        clearInterval(sampler);
        loopDelay.disable();
        await stack.stop();
        reply({ type: 'done', id: command.id, logs, loopDelayP99Ms: loopDelay.percentile(99) / 1e6 });
      }
    })().catch((error: Error) => reply({ type: 'failed', message: error.stack ?? error.message }));
  });
  reply({ type: 'ready', url: stack.url, keys: stack.keys });
}

async function storedBytes(home: string): Promise<number> {
  const files = [path.join(home, 'ingest-ledger.jsonl')];
  try {
    files.push(...(await readdir(path.join(home, 'memory'))).map((name) => path.join(home, 'memory', name)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let total = 0;
  for (const file of files)
    total += await stat(file).then(
      (s) => s.size,
      () => 0,
    );
  return total;
}

/** The stack in a worker thread, driven by commands; TypeScript is loaded there as here, by tsx. */
class StackThread {
  readonly samples: Array<{ at: number; rss: number; heapUsed: number; queueDepth: number }> = [];
  private readonly worker: Worker;
  private readonly pending = new Map<number, (reply: Extract<Reply, { type: 'done' }>) => void>();
  private nextId = 1;
  readonly ready: Promise<{ url: string; keys: LocalKeys }>;

  constructor(home: string) {
    const bootstrap = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(__filename)});`;
    this.worker = new Worker(bootstrap, { eval: true, workerData: { home } });
    let started!: (value: { url: string; keys: LocalKeys }) => void;
    this.ready = new Promise((resolve) => (started = resolve));
    const startedAt = performance.now();
    // The stack failing is the end of the run: nothing after it would mean anything.
    const fail = (message: string) => {
      console.error(`FAIL: the stack's thread failed: ${message}`);
      process.exit(1);
    };
    this.worker.on('message', (reply: Reply) => {
      if (reply.type === 'ready') started({ url: reply.url, keys: reply.keys });
      else if (reply.type === 'sample')
        this.samples.push({
          at: (performance.now() - startedAt) / 1000,
          rss: reply.rss,
          heapUsed: reply.heapUsed,
          queueDepth: reply.queueDepth,
        });
      else if (reply.type === 'failed') fail(reply.message);
      else this.pending.get(reply.id)?.(reply);
    });
    this.worker.on('error', (error) => fail(error.stack ?? error.message));
  }

  send(type: Command['type']): Promise<Extract<Reply, { type: 'done' }>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage({ id, type } satisfies Command);
    });
  }

  /**
   * Resolves with a failure once ingestion stops making progress or runs out of time; with
   * undefined once `finished.done` is set.
   */
  async stalled(finished: { done: boolean }): Promise<string | undefined> {
    const startedAt = performance.now();
    let lowest = Infinity;
    let progressAt = startedAt;
    for (;;) {
      await sleep(SAMPLE_MS);
      if (finished.done) return undefined;
      const depth = this.samples.at(-1)?.queueDepth ?? Infinity;
      if (depth < lowest) {
        lowest = depth;
        progressAt = performance.now();
      }
      if (performance.now() - progressAt > DRAIN_STALL_MS)
        return `ingestion stalled: the queue stayed at ${lowest} for ${DRAIN_STALL_MS / 1000} s`;
      if (performance.now() - startedAt > DRAIN_LIMIT_MS)
        return `ingestion did not finish within ${DRAIN_LIMIT_MS / 1000} s`;
    }
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

// ---- the load ---------------------------------------------------------------------------------------------

interface EndpointResult {
  endpoint: Endpoint;
  connections: number;
  result: autocannon.Result;
}

function pick<T>(values: readonly T[]): T {
  return values[randomInt(0, values.length)];
}

function loadOn(
  url: string,
  keys: LocalKeys,
  acknowledged: Map<string, number>,
  responses: { count: number },
): Array<Promise<EndpointResult>> {
  const connections = splitConnections();
  const json = { 'content-type': 'application/json' };
  const requests: Record<Endpoint, autocannon.Request> = {
    'pre-call': {
      method: 'POST',
      path: PATHS['pre-call'],
      headers: { ...json, 'x-workspace-key': keys.workspaceKey },
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify({
          caller_id: pick(CALLERS),
          agent_id: 'agent_load',
          called_number: '+15555550100',
          call_sid: `CA${randomBytes(16).toString('hex')}`,
        }),
      }),
    },
    'in-call': {
      method: 'POST',
      path: PATHS['in-call'],
      headers: { ...json, 'x-api-key': keys.retrieveApiKey },
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify({ query: pick(QUERIES), user_id: pick(CALLERS), limit: 5 }),
      }),
    },
    'post-call': {
      method: 'POST',
      path: PATHS['post-call'],
      setupRequest: (request, context) => {
        const call = demoCall({ callerId: pick(CALLERS), callerName: pick(NAMES) });
        const body = JSON.stringify(call.payload);
        (context as { conversation?: string }).conversation = call.conversationId;
        const signature = signElevenLabsPayload(body, keys.hmacKey, Date.now() / 1000);
        return { ...request, body, headers: { ...json, 'elevenlabs-signature': signature } };
      },
      onResponse: (status, _body, context) => {
        const conversation = (context as { conversation?: string }).conversation;
        if (status === 200 && conversation) acknowledged.set(conversation, (acknowledged.get(conversation) ?? 0) + 1);
      },
    },
  };
  return (Object.keys(MIX) as Endpoint[]).map(
    (endpoint) =>
      new Promise<EndpointResult>((resolve, reject) => {
        const instance = autocannon(
          {
            url,
            connections: connections[endpoint],
            duration: DURATION_S,
            timeout: 10,
            requests: [requests[endpoint]],
          },
          (error, result) =>
            error ? reject(error) : resolve({ endpoint, connections: connections[endpoint], result }),
        );
        instance.on('response', () => (responses.count += 1));
      }),
  );
}

function splitConnections(): Record<Endpoint, number> {
  const postCall = Math.max(1, Math.round(CONNECTIONS * MIX['post-call']));
  const preCall = Math.max(1, Math.round(CONNECTIONS * MIX['pre-call']));
  return { 'pre-call': preCall, 'in-call': Math.max(1, CONNECTIONS - postCall - preCall), 'post-call': postCall };
}

// ---- what was ingested ------------------------------------------------------------------------------

/** One ingestion of a demo call: the summary, the profile, and the caller's turns as snippets. */
function expectedMemories(callerName: string): { factual: number; semantic: number; profile: number } {
  const call = demoCall({ callerId: CALLERS[0], callerName });
  const turns = (call.payload.data as { transcript: Array<{ role: string; message: string }> }).transcript.map(
    (turn): ConversationTurn => ({ role: turn.role === 'agent' ? 'assistant' : 'user', content: turn.message }),
  );
  return { factual: 1, semantic: callerSnippets(turns).length, profile: 1 };
}

interface IngestCheck {
  ledgerConversations: Set<string>;
  /** Memories per conversation and type in the embedded store. */
  memories: Map<string, { factual: number; semantic: number; profile: number }>;
  deadLetters: number;
}

async function readIngested(home: string): Promise<IngestCheck> {
  const ledgerConversations = new Set<string>();
  const ledger = await readFile(path.join(home, 'ingest-ledger.jsonl'), 'utf8').catch(() => '');
  for (const line of ledger.split('\n')) {
    const key = line.trim() === '' ? undefined : (JSON.parse(line) as { key: string }).key;
    const conversation = key ? /^post-call\/raw\/[^/]+\/([^/]+)\//.exec(key)?.[1] : undefined;
    if (conversation) ledgerConversations.add(conversation);
  }
  const memories = new Map<string, { factual: number; semantic: number; profile: number }>();
  const memoryDir = path.join(home, 'memory');
  for (const name of await readdir(memoryDir).catch(() => [] as string[])) {
    for (const line of (await readFile(path.join(memoryDir, name), 'utf8')).split('\n')) {
      if (line.trim() === '') continue;
      const { metadata } = JSON.parse(line) as {
        metadata: { type: 'factual' | 'semantic' | 'profile'; conversation_id: string };
      };
      const counts = memories.get(metadata.conversation_id) ?? { factual: 0, semantic: 0, profile: 0 };
      counts[metadata.type] += 1;
      memories.set(metadata.conversation_id, counts);
    }
  }
  const deadLetters = (await readdir(path.join(home, 'dead-letter')).catch(() => [] as string[])).filter((n) =>
    n.endsWith('.json'),
  ).length;
  return { ledgerConversations, memories, deadLetters };
}

/**
 * The heap it takes to hold a data directory's memories and ledger as the stack holds them: every
 * caller loaded and searched in a fresh embedded store, every ledger key in a set.
 */
async function workingSetOf(home: string): Promise<number> {
  const gc = exposedGc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const store = new EmbeddedMemoryStore({ directory: path.join(home, 'memory') });
  for (const callerId of await store.callerIds()) {
    for (const type of ['factual', 'semantic', 'profile'] as const) await store.list(callerId, { type, limit: 10 });
    await store.search(callerId, QUERIES[0], { limit: 5 });
  }
  // Held where the collector cannot tell they are no longer used, until the heap is weighed.
  weighed.push(store, await IngestLedger.open(path.join(home, 'ingest-ledger.jsonl')));
  gc();
  const after = process.memoryUsage().heapUsed;
  weighed.length = 0;
  return after - before;
}

const weighed: unknown[] = [];

function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

// ---- the run ------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const home = await mkdtemp(path.join(tmpdir(), 'agentic-memory-load-'));
  const stackThread = new StackThread(home);
  const failures: string[] = [];
  try {
    const { url, keys } = await stackThread.ready;
    const connections = splitConnections();
    say(
      `AgenticMemory load test: ${url}, ${CONNECTIONS} connections (${Object.entries(connections)
        .map(([e, n]) => `${e} ${n}`)
        .join(', ')}) for ${DURATION_S} s`,
    );
    say(`data directory ${home} (embedded memory store); memory measured after ${WARM_UP_S} s of warm-up`);

    const acknowledged = new Map<string, number>();
    const responses = { count: 0 };
    const running = loadOn(url, keys, acknowledged, responses);
    await sleep(WARM_UP_S * 1000);
    const warm = (await stackThread.send('checkpoint')).checkpoint as Checkpoint;
    const responsesAtWarmUp = responses.count;
    const results = await Promise.all(running);
    const requestsSinceWarmUp = responses.count - responsesAtWarmUp;
    const endOfTraffic = (await stackThread.send('checkpoint')).checkpoint as Checkpoint;
    say(`traffic done; waiting for ingestion of ${endOfTraffic.queueDepth} queued post-call(s)`);
    const finished = { done: false };
    const drained = await Promise.race([stackThread.send('drain'), stackThread.stalled(finished)]);
    finished.done = true;
    if (typeof drained === 'string') failures.push(drained);
    const ingested = (await stackThread.send('checkpoint')).checkpoint as Checkpoint;
    // A stop finishes the ingest batch in flight: after a stall, that may never happen.
    const stopped = await Promise.race([stackThread.send('stop'), sleep(15_000).then(() => undefined)]);
    if (!stopped) failures.push('the stack did not stop within 15 s');
    const logs = stopped?.logs ?? { byLevel: {}, unarchivedPreCalls: 0, problems: 0, examples: [] };

    // -- answers
    say('');
    say(
      table(
        [
          'endpoint',
          'conns',
          'requests',
          'req/s',
          'p50 ms',
          'p99 ms',
          'max ms',
          '2xx',
          'non-2xx',
          'errors',
          'timeouts',
        ],
        results.map(({ endpoint, connections: n, result }) => [
          endpoint,
          n,
          result.requests.total,
          round(result.requests.average),
          result.latency.p50,
          result.latency.p99,
          result.latency.max,
          result['2xx'],
          result.non2xx,
          result.errors,
          result.timeouts,
        ]),
      ),
    );
    const total = results.reduce((sum, { result }) => sum + result.requests.total, 0);
    say(
      `all endpoints: ${total} requests, ${round(total / DURATION_S)} req/s; stack event-loop delay p99 ${round(stopped?.loopDelayP99Ms ?? NaN)} ms`,
    );
    for (const { endpoint, result } of results) {
      if (result.non2xx > 0)
        failures.push(`${endpoint}: ${result.non2xx} non-2xx answers (${JSON.stringify(result.statusCodeStats)})`);
      if (result.errors > 0)
        failures.push(`${endpoint}: ${result.errors} connection errors (${result.timeouts} timeouts)`);
      if (result['2xx'] === 0) failures.push(`${endpoint}: no successful request`);
    }
    say(
      `log lines: ${Object.entries(logs.byLevel)
        .map(([level, n]) => `${n} ${level}`)
        .join(', ')}`,
    );
    if (logs.unarchivedPreCalls > 0) {
      say(
        `  of which pre-calls answered but not archived (archive write over its 1 s deadline): ${logs.unarchivedPreCalls}`,
      );
    }
    if (logs.problems > 0)
      failures.push(
        `the stack logged ${logs.problems} other warning(s) or error(s), e.g. ${logs.examples.join(' | ')}`,
      );

    // -- ingestion
    const check = await readIngested(home);
    const expectedByName = new Map(NAMES.map((name) => [name, expectedMemories(name)]));
    const expectedSemantic = new Set([...expectedByName.values()].map((e) => e.semantic));
    let missing = 0;
    let notOnce = 0;
    for (const conversation of acknowledged.keys()) {
      const counts = check.memories.get(conversation);
      if (!check.ledgerConversations.has(conversation) || !counts) {
        missing += 1;
        continue;
      }
      if (counts.factual !== 1 || counts.profile !== 1 || !expectedSemantic.has(counts.semantic)) notOnce += 1;
    }
    const acknowledgedTwice = [...acknowledged.values()].filter((n) => n > 1).length;
    say('');
    const drainMs = typeof drained === 'object' ? (drained.drainMs ?? NaN) : NaN;
    say(
      `post-call: ${acknowledged.size} conversations acknowledged; ingestion finished ${round(drainMs / 1000, 1)} s after the traffic`,
    );
    say(
      `  ingested (ledger and memories): ${acknowledged.size - missing}; missing: ${missing}; not written exactly once: ${notOnce}; dead letters: ${check.deadLetters}`,
    );
    if (missing > 0) failures.push(`${missing} acknowledged post-call(s) not ingested`);
    if (notOnce > 0) failures.push(`${notOnce} conversation(s) not written exactly once`);
    if (check.deadLetters > 0) failures.push(`${check.deadLetters} dead letter(s)`);
    if (acknowledgedTwice > 0)
      failures.push(`${acknowledgedTwice} conversation id(s) sent twice (the generator is broken)`);
    if (acknowledged.size === 0) failures.push('no post-call was acknowledged');

    // -- memory
    const growth = ingested.heapUsed - warm.heapUsed;
    const storedGrowth = ingested.storedBytes - warm.storedBytes;
    const workingSet = await workingSetOf(home);
    const dataSinceWarmUp = ingested.storedBytes > 0 ? (workingSet * storedGrowth) / ingested.storedBytes : 0;
    const bound = MEMORY_SLACK_BYTES + dataSinceWarmUp;
    const during = stackThread.samples.filter((s) => s.at >= WARM_UP_S);
    say('');
    say(`memory (live heap after a full GC; rss of the whole process, load generator included):`);
    say(`  after warm-up      heap ${mb(warm.heapUsed)}  rss ${mb(warm.rss)}  stored ${mb(warm.storedBytes)}`);
    say(
      `  end of traffic     heap ${mb(endOfTraffic.heapUsed)}  rss ${mb(endOfTraffic.rss)}  stored ${mb(endOfTraffic.storedBytes)}  queued ${endOfTraffic.queueDepth}`,
    );
    say(
      `  after ingestion    heap ${mb(ingested.heapUsed)}  rss ${mb(ingested.rss)}  stored ${mb(ingested.storedBytes)}`,
    );
    say(
      `  holding the ${mb(storedGrowth)} stored since warm-up takes ${mb(dataSinceWarmUp)} of heap (a fresh store loaded with it, in this thread)`,
    );
    say(`  growth ${mb(growth)}; bound ${mb(bound)} = ${mb(MEMORY_SLACK_BYTES)} slack + ${mb(dataSinceWarmUp)} data`);
    if (growth <= bound) {
      const perRequest = Math.round((bound - growth) / Math.max(1, requestsSinceWarmUp));
      say(
        `  headroom ${mb(bound - growth)}: a leak of ${perRequest} bytes per request over the ${requestsSinceWarmUp} requests since warm-up would break the bound`,
      );
    }
    say(
      `  sampled during traffic (no GC): heap ${mb(Math.min(...during.map((s) => s.heapUsed)))}–${mb(Math.max(...during.map((s) => s.heapUsed)))}, rss ${mb(Math.min(...during.map((s) => s.rss)))}–${mb(Math.max(...during.map((s) => s.rss)))}`,
    );
    say(
      `  ingest queue depth every 5 s: ${stackThread.samples
        .filter((_, i) => i % Math.round(5000 / SAMPLE_MS) === 0)
        .map((s) => s.queueDepth)
        .join(' ')}`,
    );
    if (growth > bound) failures.push(`the live heap grew ${mb(growth)}, more than the bound of ${mb(bound)}`);

    say('');
    if (failures.length === 0) {
      say('PASS');
    } else {
      for (const failure of failures) say(`FAIL: ${failure}`);
      process.exitCode = 1;
    }
  } finally {
    await stackThread.terminate();
    await rm(home, { recursive: true, force: true });
  }
}

// ---- helpers ------------------------------------------------------------------------------------------

function positive(value: string | undefined, fallback: number): number {
  const number = Number(value);
  return Number.isFinite(number) && number > 0 ? number : fallback;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function round(value: number, digits = 0): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function mb(bytes: number): string {
  return `${round(bytes / 1024 / 1024, 1)} MB`;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
        .join('  '),
    )
    .join('\n');
}

if (isMainThread) {
  setTimeout(() => {
    console.error(`FAIL: the load test did not finish within ${WATCHDOG_MS / 1000} s`);
    process.exit(1);
  }, WATCHDOG_MS).unref();
  main().catch((error: Error) => {
    console.error(error.stack ?? error.message);
    process.exit(1);
  });
} else {
  stackThread((workerData as { home: string }).home).catch((error: Error) => {
    parentPort?.postMessage({ type: 'failed', message: error.stack ?? error.message } satisfies Reply);
  });
}
