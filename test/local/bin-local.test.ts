import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import * as path from 'node:path';
import { removeHome, tempHome } from './local-stack-support';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'tsx.cmd' : 'tsx');

describe('npm start (bin/local.ts)', () => {
  let home: string;

  beforeAll(async () => {
    home = await tempHome();
  });
  afterAll(async () => {
    await removeHome(home);
  });

  it('starts on the port it was given (0: a free one, printed), answers /health and stops cleanly on SIGINT', async () => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      HOST: '127.0.0.1',
      AGENTIC_MEMORY_HOME: home,
      MEMORY_SCOPE: 'agent',
      RETRIEVE_AUTH: 'token',
      MEMORY_TOKEN_TTL_SECONDS: '600',
    };
    // Its own process group, as a terminal's foreground job: Ctrl-C signals the whole group (tsx and node).
    const child = spawn(TSX, ['bin/local.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const signalGroup = (signal: NodeJS.Signals) => process.kill(-(child.pid as number), signal);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    try {
      await waitFor(
        () => (stdout.includes('Ctrl-C stops') ? true : undefined),
        20_000,
        () => stderr,
      );
      const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      expect(url).not.toMatch(/:0$/);
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(stdout).toContain(`curl -sS ${url}/post-call`);
      expect(stdout).toMatch(/ElevenLabs-Signature: t=\d+,v0=[0-9a-f]{64}/);
      expect(stdout).toContain('cloudflared tunnel --url');
      // Configured from its environment, as a deployment is: the banner says how.
      expect(stdout).toContain('  scope:  agent: one memory per caller and agent');
      expect(stdout).toContain('  search: token: only the X-Memory-Token the pre-call hands each call');
      expect(stdout).toContain('  tokens: valid 600 s (MEMORY_TOKEN_TTL_SECONDS)');
      expect(stdout).toContain('-H "X-Memory-Token: $TOKEN"');

      signalGroup('SIGINT');
      expect(await exited).toBe(0);
      expect(stdout).toContain('Stopped.');
      expect(stderr).toBe('');
    } finally {
      if (child.exitCode === null) signalGroup('SIGKILL');
    }
  }, 30_000);
});

describe('npm start on a port in use', () => {
  let parent: string;

  beforeAll(async () => {
    parent = await tempHome();
  });
  afterAll(async () => {
    await removeHome(parent);
  });

  it('exits 1 naming the port, and leaves no data directory or keys behind', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    const home = path.join(parent, 'home');
    try {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        AGENTIC_MEMORY_HOME: home,
      };
      const child = spawn(TSX, ['bin/local.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

      expect(code).toBe(1);
      expect(stderr).toContain(`agentic-memory: port ${port} on 127.0.0.1 is in use`);
      expect(existsSync(home)).toBe(false);
    } finally {
      holder.close();
    }
  }, 30_000);
});

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, diagnostics: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`bin/local.ts did not start in time: ${diagnostics()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
