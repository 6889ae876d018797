/**
 * The package as another team gets it: `npm pack`, then a separate CDK app in a temporary
 * folder installs the tarball (with aws-cdk-lib and constructs, its peers), type-checks a stack
 * that uses `new AgenticMemory(this, 'Memory')` against the shipped declarations, and
 * synthesizes it with the local esbuild: no Docker (CDK_DOCKER points nowhere), no network but
 * the npm cache.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, temporaryDirectory } from './cdk-test-app';

jest.setTimeout(300_000);

const CONSUMER_APP = `
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AgenticMemory, type AgenticMemoryProps } from 'agentic-memory';

class ConsumerStack extends Stack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const memory = new AgenticMemory(this, 'Memory');
    const functionName: string = memory.ingestFunction.functionName;
    new CfnOutput(this, 'ClientDataUrl', { value: memory.clientDataUrl });
    new CfnOutput(this, 'IngestFunctionName', { value: functionName });
    // @ts-expect-error searchLimit is a number: the package ships real declarations, not \`any\`
    const wrong: AgenticMemoryProps = { searchLimit: 'ten' };
    void wrong;
  }
}

const app = new App({ outdir: 'cdk.out' });
new ConsumerStack(app, 'Consumer');
app.synth();
`;

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    target: 'ES2022',
    module: 'node16',
    moduleResolution: 'node16',
    skipLibCheck: true,
    types: [],
  },
  files: ['app.ts'],
};

let work: string;
let consumer: string;
let packed: { filename: string; files: { path: string }[] };
const seconds: Record<string, number> = {};

/** Runs a command; npm's own `npm_*` variables (set when jest runs under `npm test`) stay out. */
function run(step: string, command: string, args: string[], options: SpawnSyncOptions): string {
  const started = Date.now();
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
  );
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    env: { ...env, ...options.env },
    cwd: options.cwd,
    timeout: 240_000,
  });
  seconds[step] = (Date.now() - started) / 1000;
  if (result.status !== 0) {
    throw new Error(
      `${step} failed (${result.status ?? result.signal}):\n${String(result.stdout)}\n${String(result.stderr)}`,
    );
  }
  return String(result.stdout);
}

function versionOf(name: string): string {
  return (
    JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
}

beforeAll(() => {
  work = temporaryDirectory('agentic-memory-importable');
  consumer = path.join(work, 'consumer');
  fs.mkdirSync(consumer);

  // `prepack` builds dist/ first.
  const out = run('npm pack', 'npm', ['pack', '--json', '--pack-destination', work], { cwd: REPO_ROOT });
  packed = (JSON.parse(out.slice(out.indexOf('['))) as (typeof packed)[])[0];

  fs.writeFileSync(
    path.join(consumer, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      version: '1.0.0',
      private: true,
      dependencies: {
        'agentic-memory': `file:${path.join(work, packed.filename)}`,
        'aws-cdk-lib': versionOf('aws-cdk-lib'),
        constructs: versionOf('constructs'),
      },
    }),
  );
  run('npm install', 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--legacy-peer-deps'], {
    cwd: consumer,
  });

  fs.writeFileSync(path.join(consumer, 'app.ts'), CONSUMER_APP);
  fs.writeFileSync(path.join(consumer, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  run('tsc', process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.'], { cwd: consumer });
  run('synth', process.execPath, ['app.js'], { cwd: consumer, env: { CDK_DOCKER: path.join(work, 'no-docker-here') } });
});

afterAll(() => {
  // Timings of the steps, for whoever wonders why this suite takes a minute.
  console.log(
    `importable: ${Object.entries(seconds)
      .map(([step, s]) => `${step} ${s.toFixed(1)} s`)
      .join(', ')}`,
  );
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('the tarball ships the compiled library with declarations, the handler sources and the admin CLI, nothing else', () => {
  const files = packed.files.map((file) => file.path);
  expect(files).toEqual(
    expect.arrayContaining(['package.json', 'LICENSE', 'dist/lib/index.js', 'dist/lib/index.d.ts']),
  );
  for (const service of ['client-data', 'retrieve', 'post-call', 'ingest'])
    expect(files).toContain(`lambdas/${service}/index.ts`);
  const unexpected = files.filter(
    (file) =>
      !/^(dist\/lib\/(parts\/)?[^/]+\.(js|d\.ts)|dist\/cli\/admin-cli\.js|bin\/agentic-memory-cli\.js|lambdas\/.+|package\.json|README\.md|LICENSE)$/.test(
        file,
      ),
  );
  expect(unexpected).toEqual([]);
  expect(files.some((file) => file.startsWith('lambdas/local/'))).toBe(false);
});

test('the installed package carries the MIT license its package.json declares', () => {
  const installed = path.join(consumer, 'node_modules', 'agentic-memory');
  const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as { license: string };
  expect(manifest.license).toBe('MIT');
  const license = fs.readFileSync(path.join(installed, 'LICENSE'), 'utf8');
  expect(license.split('\n', 1)[0]).toBe('MIT License');
  expect(license).toContain('Copyright (c) 2026 AgenticMemory contributors');
});

test('the consumer’s aws-cdk-lib finds esbuild (a dependency of the package) to bundle without Docker', () => {
  const fromCdk = require.resolve('esbuild/package.json', {
    paths: [path.join(consumer, 'node_modules', 'aws-cdk-lib')],
  });
  expect(fromCdk.startsWith(path.join(consumer, 'node_modules'))).toBe(true);
});

test('the consumer app type-checked against the shipped declarations (strict, with a @ts-expect-error that needs real types)', () => {
  expect(fs.existsSync(path.join(consumer, 'app.js'))).toBe(true);
});

test('new AgenticMemory(this, "Memory") synthesizes: four bundled Node.js 24 ARM64 functions', () => {
  // CloudFormation JSON: untyped.
  const template = JSON.parse(fs.readFileSync(path.join(consumer, 'cdk.out', 'Consumer.template.json'), 'utf8'));
  const functions = Object.values<{
    Type: string;
    Properties: { Runtime: string; Architectures: string[]; Code: { S3Key: string } };
  }>(template.Resources).filter(
    (resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Runtime === 'nodejs24.x',
  );
  expect(functions).toHaveLength(4);
  for (const fn of functions) {
    expect(fn.Properties.Architectures).toEqual(['arm64']);
    const asset = path.join(consumer, 'cdk.out', `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
    expect(fs.readdirSync(asset).sort()).toEqual(['index.js', 'index.js.map']);
  }
  expect(Object.keys(template.Outputs)).toEqual(expect.arrayContaining(['ClientDataUrl', 'IngestFunctionName']));
});

test('the admin CLI runs from the installed package: npx agentic-memory', () => {
  const bin = path.join(consumer, 'node_modules', '.bin', 'agentic-memory');
  const help = spawnSync(bin, ['--help'], { encoding: 'utf8', cwd: consumer });
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('Usage: agentic-memory [options] [command]');
  for (const command of ['forget', 'export', 'replay', 'status', 'secrets', 'smoke'])
    expect(help.stdout).toContain(command);

  // The local stack is not shipped: --local says so instead of failing obscurely.
  const local = spawnSync(bin, ['status', '--local', '--home', consumer], { encoding: 'utf8', cwd: consumer });
  expect(local.status).toBe(2);
  expect(local.stderr).toContain('--local needs a checkout of AgenticMemory');
});
