import { fork } from 'node:child_process';
import type { ScenarioSamples, WarmPlan, WorkerReport } from './protocol';

/**
 * Runs one function's warm scenarios in a worker process of its own: plain Node (no tsx hooks),
 * the function's environment only, its log (stdout) discarded as Lambda would ship it away.
 */
export async function runWarm(
  workerFile: string,
  env: Record<string, string>,
  plan: WarmPlan,
): Promise<ScenarioSamples[]> {
  const child = fork(workerFile, [], {
    execPath: process.execPath,
    execArgv: [],
    env,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const report = new Promise<WorkerReport>((resolve, reject) => {
    child.once('message', (message) => resolve(message as WorkerReport));
    child.once('exit', (code) =>
      reject(new Error(`the ${plan.bundle} worker exited (${code}) without a report: ${stderr}`)),
    );
  });
  child.send(plan);
  const result = await report;
  if (result.kind === 'failed') throw new Error(`warm benchmark of ${plan.bundle} failed: ${result.error}`);
  return result.results;
}
