import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * One fresh Node process: it loads the bundle (module initialisation: clients constructed,
 * configuration read), notes the time since the process started (and the CPU time it used: on
 * a machine shared with other work the wall time also counts waiting for a core), then invokes the handler once
 * (the first invocation: secrets fetched, Mem0 client built) and reports both on fd 3 — stdout
 * is the function's log. Without a bundle it is the bare process everything is compared with.
 */
const PROBE = `
const fs = require('fs');
const bundle = process.env.BENCH_BUNDLE;
const loaded = bundle ? require(bundle) : undefined;
const ready = performance.now();
const cpu = process.cpuUsage();
const readyCpu = (cpu.user + cpu.system) / 1000;
const report = (result, code) => { fs.writeSync(3, JSON.stringify(result)); process.exit(code); };
if (!loaded) report({ ready, readyCpu }, 0);
if (typeof loaded.handler !== 'function') report({ error: 'the bundle exports no handler' }, 1);
const { event, context } = JSON.parse(fs.readFileSync(process.env.BENCH_EVENT, 'utf8'));
const deadline = Date.now() + 10000;
context.getRemainingTimeInMillis = () => deadline - Date.now();
const started = performance.now();
loaded.handler(event, context).then(
  (response) => report({ ready, readyCpu, firstCall: performance.now() - started, response }, 0),
  (error) => report({ error: String((error && error.stack) || error) }, 1),
);
`;

export interface ColdStartTarget {
  name: string;
  /** The process environment (the function's, for a function). */
  env: Record<string, string>;
  /** Absent for the bare process. */
  bundle?: string;
  /** The first invocation's event and context, fresh for each process. */
  firstInvocation?: () => Promise<{ event: unknown; context: Record<string, unknown> }>;
  /** Throws when the first invocation's answer is not a success. */
  checkResponse?: (response: unknown) => void;
}

export interface ColdStartSamples {
  /** Process start to handler ready, ms. */
  ready: number[];
  /** CPU time used by then, ms. */
  readyCpu: number[];
  /** The first invocation, ms. */
  firstCall: number[];
}

/**
 * `rounds` processes per target, round-robin (each round in a rotated order) so load drifts hit
 * all alike. Each round starts in a quiet moment when the machine shows one (see quietMoment).
 */
export async function measureColdStarts(
  targets: ColdStartTarget[],
  rounds: number,
  workDir: string,
): Promise<{ samples: Map<string, ColdStartSamples>; waitedMs: number }> {
  const samples = new Map(
    targets.map((t) => [t.name, { ready: [] as number[], readyCpu: [] as number[], firstCall: [] as number[] }]),
  );
  let waitedMs = 0;
  for (let round = 0; round < rounds; round++) {
    waitedMs += await quietMoment(Math.min(QUIET_MAX_WAIT_MS, QUIET_TOTAL_WAIT_MS - waitedMs));
    const order = [...targets.slice(round % targets.length), ...targets.slice(0, round % targets.length)];
    for (const target of order) {
      const env = await environmentFor(target, workDir);
      // Preparing the first invocation (and the previous process's first invocation) kept the
      // loopback peers, in this process, busy: let that work finish rather than share the CPUs
      // with the start-up being timed.
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const result = await probe(target, env);
      const entry = samples.get(target.name)!;
      entry.ready.push(result.ready);
      entry.readyCpu.push(result.readyCpu);
      if (result.firstCall !== undefined) entry.firstCall.push(result.firstCall);
    }
  }
  return { samples, waitedMs };
}

const SETTLE_MS = 250;
const QUIET_IDLE_SHARE = 0.95;
const QUIET_WINDOW_MS = 1000;
const QUIET_MAX_WAIT_MS = 30_000;
/** A machine that is never quiet is measured as it is, and the report shows its load. */
const QUIET_TOTAL_WAIT_MS = 120_000;

/**
 * Waits (at most `maxWaitMs`) until the CPUs were at least 95% idle over a second,
 * by /proc/stat: a start-up timed while other work holds the cores measures that work. Where
 * there is no /proc/stat it does not wait. Returns the time waited.
 */
async function quietMoment(maxWaitMs: number): Promise<number> {
  if (!existsSync('/proc/stat')) return 0;
  const started = Date.now();
  while (Date.now() - started < maxWaitMs) {
    const before = cpuTicks();
    await new Promise((resolve) => setTimeout(resolve, QUIET_WINDOW_MS));
    const after = cpuTicks();
    const total = after.total - before.total;
    if (total > 0 && (after.idle - before.idle) / total >= QUIET_IDLE_SHARE) break;
  }
  return Date.now() - started;
}

function cpuTicks(): { idle: number; total: number } {
  // "cpu  user nice system idle iowait irq softirq steal ..."
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return { idle: fields[3] + fields[4], total: fields.reduce((sum, ticks) => sum + ticks, 0) };
}

interface ProbeResult {
  ready: number;
  readyCpu: number;
  firstCall?: number;
  response?: unknown;
  error?: string;
}

/** The process's environment: the function's, and where the bundle and first event are. */
async function environmentFor(target: ColdStartTarget, workDir: string): Promise<Record<string, string>> {
  if (!target.bundle) return target.env;
  if (!target.firstInvocation) throw new Error(`${target.name}: a function needs its first invocation`);
  const eventFile = path.join(workDir, `${target.name}-first-invocation.json`);
  writeFileSync(eventFile, JSON.stringify(await target.firstInvocation()));
  return { ...target.env, BENCH_BUNDLE: target.bundle, BENCH_EVENT: eventFile };
}

async function probe(target: ColdStartTarget, env: Record<string, string>): Promise<ProbeResult> {
  const child = spawn(process.execPath, ['-e', PROBE], { env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let report = '';
  let stderr = '';
  child.stdio[3]!.on('data', (chunk: Buffer) => (report += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const result = (
    report ? JSON.parse(report) : { error: `no report (exit ${code}): ${stderr.slice(0, 2000)}` }
  ) as ProbeResult;
  if (result.error !== undefined || code !== 0)
    throw new Error(`cold start of ${target.name} failed: ${result.error ?? stderr}`);
  target.checkResponse?.(result.response);
  return result;
}
