import { PassThrough } from 'node:stream';
import { runCli } from '../../cli/commands/program';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stream the CLI writes to, kept as text; `tty` makes it look like a terminal (progress bars). */
export function capture(tty = false) {
  let text = '';
  return {
    isTTY: tty,
    columns: 120,
    write(chunk: string) {
      text += chunk;
      return true;
    },
    get text() {
      return text;
    },
  };
}

/** Standard input: lines fed from a pipe, or a terminal (`tty`) that answers with `input`. */
export function stdinOf(input: string, options: { tty?: boolean } = {}) {
  const stream = new PassThrough() as PassThrough & {
    isTTY?: boolean;
    setRawMode?: (mode: boolean) => void;
    rawModes: boolean[];
  };
  stream.rawModes = [];
  if (options.tty) {
    stream.isTTY = true;
    stream.setRawMode = (mode: boolean) => void stream.rawModes.push(mode);
  }
  // Typed after the CLI has started listening, as a person would.
  setImmediate(() => stream.end(input));
  return stream;
}

/** Runs the CLI in this process, as `npx agentic-memory …` would with this environment. */
export async function cli(
  argv: string[],
  options: {
    env?: Record<string, string | undefined>;
    stdin?: ReturnType<typeof stdinOf>;
    stderrTty?: boolean;
    cwd?: string;
  } = {},
): Promise<CliRun> {
  const stdout = capture();
  const stderr = capture(options.stderrTty);
  const code = await runCli(argv, {
    stdout,
    stderr,
    stdin: options.stdin ?? stdinOf(''),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
