/**
 * `npm start`: AgenticMemory on this machine. PORT (default 3000; 0 picks a free one), HOST
 * (default 127.0.0.1), AGENTIC_MEMORY_HOME (default ./.agentic-memory), MEM0_API_KEY and
 * MEM0_HOST for Mem0 Cloud instead of the embedded memory store, LOG_FORMAT=json for JSON logs.
 */
import * as path from 'node:path';
import { gettingStarted } from '../lambdas/local/getting-started';
import { DEFAULT_HOST, DEFAULT_PORT, startLocalStack, type LocalStack } from '../lambdas/local/local-stack';

async function main(): Promise<void> {
  const env = process.env;
  const port = portFrom(env.PORT);
  const host = env.HOST?.trim() || DEFAULT_HOST;
  const home = path.resolve(env.AGENTIC_MEMORY_HOME?.trim() || '.agentic-memory');

  let stack: LocalStack;
  try {
    stack = await startLocalStack({ port, host, home, env });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      fail(`port ${port} on ${host} is in use: stop what uses it, or set PORT (PORT=0 picks a free port)`);
    fail((error as Error).message);
  }
  process.stdout.write(`\n${await gettingStarted(stack, env)}\n\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting without waiting\n`);
      process.exit(130);
    }
    stopping = true;
    process.stdout.write('\nStopping: finishing requests and ingestion in flight…\n');
    stack.stop().then(
      () => {
        process.stdout.write('Stopped.\n');
        process.exit(0);
      },
      (error: unknown) => fail(`stop failed: ${(error as Error).message}`),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function portFrom(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`PORT must be a number from 0 to 65535, not "${value}"`);
  return port;
}

function fail(message: string): never {
  process.stderr.write(`agentic-memory: ${message}\n`);
  process.exit(1);
}

void main();
