import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { removeHome, startTestStack, tempHome, type TestStack } from '../local/local-stack-support';
import type { ElevenLabsApiLoopback } from '../support/elevenlabs-api-server';
import { runCli } from '../../cli/commands/program';
import { capture, stdinOf, type CliRun } from './cli-support';

/**
 * A local stack (real handlers, embedded S3 and memory store) on a fixed port, and the admin CLI
 * pointed at it and at the loopback ElevenLabs API: what `connect`, `doctor` and `backfill` tests
 * run against. The stack's "public URL" is its loopback address, hence --allow-private-url.
 */
export interface LocalTarget {
  home: string;
  env: Record<string, string>;
  readonly test: TestStack;
  readonly url: string;
  /** --local --home … (and, unless `withUrl` is false, --url … --allow-private-url) */
  flags(withUrl?: boolean): string[];
  run(argv: string[], options?: { stderrTty?: boolean; signal?: AbortSignal; withUrl?: boolean }): Promise<CliRun>;
  /** Stops and starts the stack on the same port, as `npm start` again (it then reads keys.json anew). */
  restart(): Promise<void>;
  /** The keys the data directory holds (keys.json). */
  savedKeys(): Record<string, string>;
  close(): Promise<void>;
}

export async function startLocalTarget(server: ElevenLabsApiLoopback): Promise<LocalTarget> {
  const home = await tempHome();
  const env = { ELEVENLABS_API_KEY: server.apiKey, ELEVENLABS_API_HOST: server.url };
  let test = await startTestStack(home, { env });
  const port = Number(new URL(test.stack.url).port);
  const target: LocalTarget = {
    home,
    env,
    get test() {
      return test;
    },
    get url() {
      return test.stack.url;
    },
    flags: (withUrl = true) => [
      '--local',
      '--home',
      home,
      ...(withUrl ? ['--url', test.stack.url, '--allow-private-url'] : []),
    ],
    async run(argv, options = {}) {
      const stdout = capture();
      const stderr = capture(options.stderrTty);
      const code = await runCli([...argv, ...target.flags(options.withUrl)], {
        stdout,
        stderr,
        stdin: stdinOf(''),
        env,
        cwd: home,
        signal: options.signal,
      });
      return { code, stdout: stdout.text, stderr: stderr.text };
    },
    async restart() {
      await test.stack.stop();
      test = await startTestStack(home, { env, port });
    },
    savedKeys: () => JSON.parse(readFileSync(path.join(home, 'keys.json'), 'utf8')) as Record<string, string>,
    async close() {
      await test.stack.stop();
      await removeHome(home);
    },
  };
  return target;
}
