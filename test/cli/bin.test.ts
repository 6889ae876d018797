import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const REPO_ROOT = path.join(__dirname, '..', '..');

/** `npx agentic-memory` in this checkout: npm runs the package's own bin, the shim runs the source with tsx. */
function npx(args: string[]) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
  );
  return spawnSync('npx', ['--no-install', 'agentic-memory', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
}

test('npx agentic-memory --help: every command, the exit codes', () => {
  const run = npx(['--help']);
  expect(run.status).toBe(0);
  for (const command of ['forget', 'export', 'replay', 'status', 'secrets', 'smoke'])
    expect(run.stdout).toMatch(new RegExp(`\\n  ${command} `));
  expect(run.stdout).toContain('Exit codes: 0 done, 1 failed, 2 usage error');
});

test.each([['forget'], ['export'], ['replay'], ['status'], ['secrets'], ['smoke']])(
  'npx agentic-memory %s --help',
  (command) => {
    const run = npx([command, '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Usage: agentic-memory ${command}`);
    expect(run.stdout).toContain('--stack <name>');
  },
);

test.each([['forget'], ['export']])('npx agentic-memory %s --help offers --scope', (command) => {
  const run = npx([command, '--help']);
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/--scope <name> +only this memory scope/);
  expect(run.stdout).toContain('Without --scope');
});

test('a usage error exits 2 with a clear line', () => {
  const run = npx(['forget', '+16125550142']);
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('say which deployment: --stack NAME (deployed on AWS) or --local (this machine)');
});
