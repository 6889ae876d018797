import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { AGENTCORE_STRATEGIES, identityOfActorId } from '../../lambdas/shared/memory/agentcore-ids';
import { startAgentCoreServer, type AgentCoreLoopbackServer } from '../support/agentcore-server';
import { removeHome, startTestStack, tempHome, type TestStack } from './local-stack-support';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'tsx.cmd' : 'tsx');

describe('npm run simulate against a local stack with MEMORY_BACKEND=agentcore', () => {
  let home: string;
  let agentCore: AgentCoreLoopbackServer;
  let test: TestStack;

  beforeAll(async () => {
    home = await tempHome();
    agentCore = await startAgentCoreServer({
      extractionLagMs: 60_000,
      strategies: AGENTCORE_STRATEGIES.map((strategy) => ({
        strategyId: `${strategy.name}-0123456789`,
        type: strategy.type,
        namespace: strategy.namespaces[0],
      })),
    });
    test = await startTestStack(home, {
      env: { MEMORY_BACKEND: 'agentcore', AGENTCORE_ENDPOINT: agentCore.url, AGENTCORE_MEMORY_ID: agentCore.memoryId },
    });
  });
  afterAll(async () => {
    await test.stack.stop();
    await agentCore.close();
    await removeHome(home);
  });

  it('remembers the caller across two calls while extraction still lags, and never the withheld caller', async () => {
    const child = spawn(TSX, ['scripts/simulate.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SIMULATE_URL: test.stack.url, AGENTIC_MEMORY_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('(memory: agentcore;');
    expect(stdout).toContain('✓ Memory works');
    expect(stdout).toContain('✓ A withheld number is nobody');
    const remembered = [...new Set(agentCore.events.map((event) => identityOfActorId(event.actorId)))];
    expect(remembered).toEqual([expect.stringMatching(/^\+1\d{3}55501\d\d$/)]);
  }, 60_000);
});
