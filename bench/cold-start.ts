import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ColdStartRound, StartupTimes } from './cold-start-verdict';

/**
 * One fresh Node process: it loads the bundle (module initialisation: clients constructed,
 * configuration read), notes the time since the process started (and the CPU time it used: on
 * a machine shared with other work the wall time also counts waiting for a core), then invokes
 * the handler once (the first invocation: secrets fetched, Mem0 client built) and reports both
 * on fd 3 — stdout is the function's log. Without a bundle it is the bare process every
 * function is compared with.
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
  /** The function's process environment. */
  env: Record<string, string>;
  bundle: string;
  /** The first invocation's event and context, fresh for each process. */
  firstInvocation: () => Promise<{ event: unknown; context: Record<string, unknown> }>;
  /** Throws when the first invocation's answer is not a success. */
  checkResponse: (response: unknown) => void;
}

export interface ColdStartSamples {
  /** Round by round: the function's start-up and the bare processes on either side of it. */
  rounds: ColdStartRound[];
  /** The first invocation, ms. */
  firstCallMs: number[];
}

/**
 * `rounds` rounds; each starts a bare process, then each function followed by another bare
 * process (bare, f1, bare, f2, …, bare), the functions in a rotated order from round to round,
 * so every function's start-up has a bare one just before and just after it in time
 * (see cold-start-verdict.ts for how they are compared). `bareEnv` is the bare processes'
 * environment: the functions' own, without a bundle to load.
 */
export async function measureColdStarts(
  targets: ColdStartTarget[],
  bareEnv: Record<string, string>,
  rounds: number,
  workDir: string,
): Promise<Map<string, ColdStartSamples>> {
  const samples = new Map(targets.map((t) => [t.name, { rounds: [], firstCallMs: [] } as ColdStartSamples]));
  for (let round = 0; round < rounds; round++) {
    const order = [...targets.slice(round % targets.length), ...targets.slice(0, round % targets.length)];
    const bare = async () => startupTimes(await probeAfterSettling('bare node', bareEnv));
    let bareBefore = await bare();
    for (const target of order) {
      const result = await probeAfterSettling(target.name, await environmentFor(target, workDir));
      target.checkResponse(result.response);
      if (result.firstCall === undefined) throw new Error(`${target.name}: the probe reported no first invocation`);
      const bareAfter = await bare();
      const entry = samples.get(target.name)!;
      entry.rounds.push({ bareBefore, function: startupTimes(result), bareAfter });
      entry.firstCallMs.push(result.firstCall);
      bareBefore = bareAfter;
    }
  }
  return samples;
}

/**
 * The previous process's first invocation (and preparing the next one) kept the loopback peers,
 * in this process, busy: let that work finish rather than share the CPUs with the start-up
 * being timed. Every process, bare or not, waits the same.
 */
const SETTLE_MS = 250;

async function probeAfterSettling(name: string, env: Record<string, string>): Promise<ProbeResult> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return probe(name, env);
}

const startupTimes = (result: ProbeResult): StartupTimes => ({ readyMs: result.ready, readyCpuMs: result.readyCpu });

interface ProbeResult {
  ready: number;
  readyCpu: number;
  firstCall?: number;
  response?: unknown;
  error?: string;
}

/** The process's environment: the function's, and where the bundle and first event are. */
async function environmentFor(target: ColdStartTarget, workDir: string): Promise<Record<string, string>> {
  const eventFile = path.join(workDir, `${target.name}-first-invocation.json`);
  writeFileSync(eventFile, JSON.stringify(await target.firstInvocation()));
  return { ...target.env, BENCH_BUNDLE: target.bundle, BENCH_EVENT: eventFile };
}

async function probe(name: string, env: Record<string, string>): Promise<ProbeResult> {
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
    throw new Error(`cold start of ${name} failed: ${result.error ?? stderr}`);
  return result;
}
