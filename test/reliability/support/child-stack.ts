import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const START_TIMEOUT_MS = 30_000;

/**
 * `npm start` (bin/local.ts) as a child process. It runs as `node --import tsx bin/local.ts`,
 * which is what the tsx CLI runs in a process of its own: here the stack is this process's direct
 * child, so a SIGKILL leaves no orphan and the process is reaped — its pid, which holds the data
 * directory's lock, gone — by the time `exited` resolves. (Killed behind the tsx CLI, the stack's
 * process is left to PID 1 to reap; until then its pid still looks alive and the lock held.)
 * Logs are JSON lines.
 */
export class ChildStack {
  private stdout = '';
  private stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  url = '';

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    running.add(this);
    void this.exited.then(() => running.delete(this));
  }

  /** Starts the stack on an ephemeral loopback port on `home`; resolves once it listens. */
  static async start(home: string, env: Record<string, string> = {}): Promise<ChildStack> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
      cwd: ROOT,
      // Nothing of this machine's own configuration (a developer's MEM0_API_KEY) reaches it.
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: '0',
        HOST: '127.0.0.1',
        AGENTIC_MEMORY_HOME: home,
        LOG_FORMAT: 'json',
        NO_COLOR: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stack = new ChildStack(child);
    let exitedEarly = false;
    void stack.exited.then(() => (exitedEarly = true));
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(stack.stdout)?.[1];
      if (url) {
        stack.url = url;
        return stack;
      }
      if (exitedEarly || Date.now() > deadline) {
        if (!exitedEarly) stack.signal('SIGKILL');
        throw new Error(`bin/local.ts did not start: ${stack.stderr || stack.stdout}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** The JSON log lines printed so far (stdout and stderr). */
  logLines(): string[] {
    return `${this.stdout}\n${this.stderr}`.split('\n').filter((line) => line.startsWith('{'));
  }

  /** Sends `signal` to the stack's process; a process already gone is not an error. */
  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  /** SIGKILL: no handler runs, nothing is flushed or finished. Resolves once the process is gone. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }
}

const running = new Set<ChildStack>();

/** Kills every child stack still running (for afterEach/afterAll). */
export async function killChildStacks(): Promise<void> {
  await Promise.all([...running].map((stack) => stack.kill()));
}
