import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { median } from './stats';

/**
 * The instructions a process's main thread executes from start to exit when it only loads a
 * bundle, counted by valgrind's callgrind: a figure no neighbour on the machine can change,
 * which tells a slower machine from a function that does more. The main thread only: V8's
 * background threads (concurrent compilation, GC) vary from run to run and do not hold up the
 * start-up. Reported, not budgeted: the budgets are in milliseconds, on Lambda.
 */

/** Loads the bundle, if any, and exits: module initialisation and nothing else. */
const LOAD_ONLY = `const bundle = process.env.BENCH_BUNDLE; if (bundle) require(bundle);`;

export type InstructionCounts =
  | { measured: false; reason: string }
  | {
      measured: true;
      /** Main-thread instructions of each round's bare process. */
      bare: number[];
      /** Main-thread instructions of each round's process per function. */
      functions: Map<string, number[]>;
    };

/**
 * `rounds` rounds of a bare process then each function's. Under callgrind a start-up takes
 * seconds, not milliseconds: a round of the four functions takes about half a minute.
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
    bare.push(await countMainThread('bare', bareEnv, workDir));
    for (const target of targets)
      functions
        .get(target.name)!
        .push(await countMainThread(target.name, { ...target.env, BENCH_BUNDLE: target.bundle }, workDir));
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

async function countMainThread(name: string, env: Record<string, string>, workDir: string): Promise<number> {
  const prefix = `callgrind.${name}.${process.pid}.${Date.now()}`;
  const outFile = path.join(workDir, prefix);
  const { code, output } = await run(
    'valgrind',
    [
      '--tool=callgrind',
      '--separate-threads=yes',
      `--callgrind-out-file=${outFile}`,
      process.execPath,
      '-e',
      LOAD_ONLY,
    ],
    env,
  );
  try {
    if (code !== 0) throw new Error(`callgrind run of ${name} failed (exit ${code}): ${output.slice(-2000)}`);
    // With --separate-threads, thread 1 (the main thread) is written to <file>-01.
    return callgrindTotal(readFileSync(`${outFile}-01`, 'utf8'));
  } finally {
    for (const file of readdirSync(workDir)) if (file.startsWith(prefix)) rmSync(path.join(workDir, file));
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
