import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { median } from './stats';

/**
 * The instructions a process executes from start to exit when it only loads a bundle, counted
 * by valgrind's callgrind: a figure no neighbour on the machine can change, which tells a slower
 * machine from a function that does more. Node runs with V8's work on the main thread
 * (`--single-threaded`: compilation and GC done as it goes, not on threads that race it) and fixed
 * hash and random seeds (a random hash seed lays out V8's string tables differently on every
 * start): so flagged, repeated counts agree to within a few thousand instructions of hundreds
 * of millions, where otherwise they wander by 5–20%. Reported, not budgeted: the budgets are
 * milliseconds, on Lambda.
 */
export const DETERMINISTIC_NODE_FLAGS = ['--single-threaded', '--hash-seed=1', '--random-seed=1'];

/** Loads the bundle, if any, and exits: module initialisation and nothing else. */
const LOAD_ONLY = `const bundle = process.env.BENCH_BUNDLE; if (bundle) require(bundle);`;

export type InstructionCounts =
  | { measured: false; reason: string }
  | {
      measured: true;
      /** Instructions of each round's bare process. */
      bare: number[];
      /** Instructions of each round's process, per function. */
      functions: Map<string, number[]>;
    };

/**
 * `rounds` rounds of a bare process then each function's. Under callgrind a start-up takes
 * seconds, not milliseconds: a round of the seven functions (both backends) takes one to two minutes.
 */
export async function countStartupInstructions(
  targets: Array<{ name: string; env: Record<string, string>; bundle: string }>,
  bareEnv: Record<string, string>,
  rounds: number,
  workDir: string,
): Promise<InstructionCounts> {
  if (rounds === 0) return { measured: false, reason: 'not asked for (--instruction-rounds 0)' };
  const unavailable = await callgrindUnavailable();
  if (unavailable) return { measured: false, reason: unavailable };
  mkdirSync(workDir, { recursive: true });
  const bare: number[] = [];
  const functions = new Map(targets.map((t) => [t.name, [] as number[]]));
  for (let round = 0; round < rounds; round++) {
    bare.push(await count('bare', bareEnv, workDir));
    for (const target of targets)
      functions
        .get(target.name)!
        .push(await count(target.name, { ...target.env, BENCH_BUNDLE: target.bundle }, workDir));
  }
  return { measured: true, bare, functions };
}

/** Median over the rounds of the function's count minus the same round's bare count. */
export function instructionsOverBare(
  counts: { bare: number[]; functions: Map<string, number[]> },
  name: string,
): number {
  const own = counts.functions.get(name);
  if (!own || own.length !== counts.bare.length) throw new Error(`no instruction count for ${name} in every round`);
  return median(own.map((count, round) => count - counts.bare[round]));
}

/** The event total of a callgrind output file (its `totals:` line, or `summary:` when there is none). */
export function callgrindTotal(output: string): number {
  const match = /^totals:\s+(\d+)/m.exec(output) ?? /^summary:\s+(\d+)/m.exec(output);
  if (!match) throw new Error('a callgrind output without a totals or summary line');
  return Number(match[1]);
}

async function callgrindUnavailable(): Promise<string | undefined> {
  const { code, output } = await run('valgrind', ['--version'], process.env as Record<string, string>);
  return code === 0 && /^valgrind-/.test(output) ? undefined : 'valgrind is not installed';
}

async function count(name: string, env: Record<string, string>, workDir: string): Promise<number> {
  const outFile = path.join(workDir, `callgrind.${name}.${process.pid}.${Date.now()}`);
  const { code, output } = await run(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${outFile}`,
      process.execPath,
      ...DETERMINISTIC_NODE_FLAGS,
      '-e',
      LOAD_ONLY,
    ],
    env,
  );
  try {
    if (code !== 0) throw new Error(`callgrind run of ${name} failed (exit ${code}): ${output.slice(-2000)}`);
    return callgrindTotal(readFileSync(outFile, 'utf8'));
  } finally {
    rmSync(outFile, { force: true });
  }
}

function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, output: error.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}
