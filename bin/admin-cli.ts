/**
 * `npx agentic-memory …`: the admin CLI (see `--help`). Started by bin/agentic-memory-cli.js.
 */
import { runCli } from '../cli/commands/program';

// The AWS SDK's notice that its versions published after January 2027 need Node 22 is not about
// this CLI: its Node range is package.json `engines`, held against every package it runs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Output piped into `head` and the like: the reader leaving is no failure of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
}).then(
  (code) => exit(code),
  (error: unknown) => {
    process.stderr.write(`agentic-memory: ${(error as Error).stack ?? String(error)}\n`);
    exit(1);
  },
);

/** Exits once the output is flushed: idle keep-alive connections must not hold the command open. */
function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}
