import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import * as path from 'node:path';
import { EmbeddedMemoryStore } from '../../lambdas/shared/memory/embedded-store';
import { removeHome, startTestStack, tempHome, type TestStack } from './local-stack-support';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'tsx.cmd' : 'tsx');

/** `npm run simulate` against a running local stack; resolves with its exit code and output. */
function simulate(test: TestStack, home: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SIMULATE_URL: test.stack.url,
    AGENTIC_MEMORY_HOME: home,
  };
  // Asynchronously: the stack it talks to runs in this process.
  const child = spawn(TSX, ['scripts/simulate.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** The simulator with only this environment (no SIMULATE_URL unless given): it must find the stack itself. */
function simulateWith(
  variables: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...variables };
  const child = spawn(TSX, ['scripts/simulate.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('npm run simulate (scripts/simulate.ts)', () => {
  let home: string;
  let test: TestStack | undefined;

  beforeEach(async () => {
    home = await tempHome();
  });
  afterEach(async () => {
    await test?.stack.stop();
    test = undefined;
    await removeHome(home);
  });

  it('walks two calls over the token path, and shows a withheld caller answered as a stranger, never remembered', async () => {
    test = await startTestStack(home);

    const run = await simulate(test, home);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('search: token-or-key');
    expect(run.stdout).toMatch(
      /memory token: {5}am1\.\S+… \(secret__memory_token: the search tool's X-Memory-Token header/,
    );
    expect(run.stdout).toContain('(header X-Memory-Token: the token alone says whose memories)');
    expect(run.stdout).toContain("the same search with the token's claims altered (one character) → 401");
    expect(run.stdout).toContain('caller id "anonymous"');
    expect(run.stdout).toMatch(/another anonymous caller rings: POST \/client-data → 200/);
    expect(run.stdout).toMatch(/returning caller: no {3}caller name: \(unknown\) {3}memories: 0/);
    expect(run.stdout).toContain('their search finds 0 memories');
    expect(run.stdout).toContain('✓ Memory works');
    expect(run.stdout).toContain('✓ A withheld number is nobody');
    const remembered = await new EmbeddedMemoryStore({ directory: path.join(home, 'memory') }).callerIds();
    expect(remembered).toHaveLength(1);
    expect(remembered[0]).toMatch(/^\+1\d{3}55501\d\d$/);
  }, 60_000);

  it('follows the stack it talks to: memory per agent of a scope map, searches by token only', async () => {
    test = await startTestStack(home, {
      env: { MEMORY_SCOPE: 'agent', MEMORY_SCOPE_MAP: '{"bakery":["agent_orders"]}', RETRIEVE_AUTH: 'token' },
    });

    const run = await simulate(test, home);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('scope: agent; search: token');
    expect(run.stdout).toContain('✓ A withheld number is nobody');
    const remembered = await new EmbeddedMemoryStore({ directory: path.join(home, 'memory') }).callerIds();
    expect(remembered).toEqual([expect.stringMatching(/^bakery\/\+1\d{3}55501\d\d$/)]);
  }, 60_000);
  it('finds the stack running on its data directory through stack.json, whatever port it was started on', async () => {
    test = await startTestStack(home);

    const run = await simulateWith({ AGENTIC_MEMORY_HOME: home });

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`AgenticMemory simulator → ${test.stack.url} `);
    expect(run.stdout).toContain('✓ Memory works');
  }, 60_000);

  it('refuses a PORT that is not the port of the stack running on the data directory, and says how to reach it', async () => {
    test = await startTestStack(home);
    const other = await closedPort();

    const run = await simulateWith({ AGENTIC_MEMORY_HOME: home, PORT: String(other) });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`PORT is ${other}, but the stack running on ${home} listens at ${test.stack.url}`);
    expect(run.stderr).toContain('set AGENTIC_MEMORY_HOME to its data directory');
  }, 60_000);

  it('with no stack running on the data directory, says so and how a stack elsewhere is found', async () => {
    const port = await closedPort();

    const run = await simulateWith({ AGENTIC_MEMORY_HOME: home, PORT: String(port) });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`no local stack is running on ${home}, and none answers at http://127.0.0.1:${port}`);
    expect(run.stderr).toContain('found with that same AGENTIC_MEMORY_HOME');
  }, 60_000);
});
