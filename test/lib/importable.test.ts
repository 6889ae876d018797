/**
 * The package as another team gets it: `npm pack` (prepack builds dist/ and the functions'
 * bundles), then a separate CDK app in a temporary folder that already has aws-cdk-lib and
 * constructs (hard-linked from this repository's node_modules: no network) installs the tarball
 * offline, type-checks a stack that uses `new AgenticMemory(this, 'Memory')` against the shipped
 * declarations and synthesizes it: no Docker (CDK_DOCKER points nowhere), no esbuild. Beside it,
 * this repository's own synth of the same construct, from source: the consumer deploys the very
 * bytes this repository builds and tests.
 */
import { execFile, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AgenticMemory } from '../../lib';
import type { FunctionServiceName, MemoryBackendName } from '../../lib/contract';
import { MemoryFunction } from '../../lib/memory-function';
import { AwsControlPlane } from '../support/aws-control-plane';
import { REPO_ROOT, cdkJsonContext, temporaryDirectory } from './cdk-test-app';

jest.setTimeout(300_000);

/** Every bundle the package ships: each function for each memory backend it has an entry for. */
const BUNDLES: Array<{ name: string; service: FunctionServiceName; backend: MemoryBackendName }> = [
  ...(['client-data', 'retrieve', 'ingest', 'retention'] as const).flatMap((service) => [
    { name: service, service, backend: 'mem0' as const },
    { name: `${service}-agentcore`, service, backend: 'agentcore' as const },
  ]),
  { name: 'post-call', service: 'post-call', backend: 'mem0' },
];

const INSTALL_BUDGET_BYTES = 20_000_000;

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

/** Records, as the admin CLI loads, every value of MEM0_TELEMETRY read (mem0ai reads it when loaded). */
const TELEMETRY_READS = `
const fs = require('node:fs');
const reads = [];
process.env = new Proxy(process.env, {
  get(env, name) {
    if (name === 'MEM0_TELEMETRY') reads.push(String(env[name]));
    return env[name];
  },
});
process.on('exit', () => fs.writeFileSync(process.argv[1] + '.telemetry-reads.json', JSON.stringify(reads)));
`;

let work: string;
let consumer: string;
let installed: string;
let repoOutdir: string;
let packed: { filename: string; files: { path: string }[] };
const seconds: Record<string, number> = {};
let installedBytes: { before: number; after: number; packagesBefore: string[]; packagesAfter: string[] };
/** This repository's own synth, from source: each function's S3 key by logical id, and each bundle's asset folder. */
let repoSynth: { s3Keys: Record<string, string>; bundleAssets: Record<string, string> };

/** The environment a child runs in: npm's own `npm_*` variables (set under `npm test`) stay out. */
function childEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
  );
  return { ...env, ...extra };
}

function run(step: string, command: string, args: string[], options: SpawnSyncOptions): string {
  const started = Date.now();
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    env: childEnvironment(options.env),
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

function packageJson(dir: string): {
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  bundleDependencies?: string[];
  bundledDependencies?: string[];
} {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
}

/** A copy of a folder whose files are hard links (a plain copy where links cannot be made). */
function linkCopy(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) linkCopy(source, target);
    else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(source), target);
    else {
      try {
        fs.linkSync(source, target);
      } catch {
        fs.copyFileSync(source, target);
      }
    }
  }
}

/**
 * aws-cdk-lib and constructs as `npm install` would have put them in the app: each package and
 * the dependencies it does not bundle, from this repository's node_modules.
 */
function installPeers(names: string[]): void {
  const done = new Set<string>();
  const pending = [...names];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (done.has(name)) continue;
    done.add(name);
    const dir = path.join(REPO_ROOT, 'node_modules', name);
    linkCopy(dir, path.join(consumer, 'node_modules', name));
    const manifest = packageJson(dir);
    const bundled = new Set(manifest.bundleDependencies ?? manifest.bundledDependencies ?? []);
    for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      const nested = fs.existsSync(path.join(dir, 'node_modules', dependency));
      if (!bundled.has(dependency) && !nested) pending.push(dependency);
    }
  }
}

/** Bytes of every file under a folder, and the packages in its node_modules. */
function measure(dir: string): { bytes: number; packages: string[] } {
  let bytes = 0;
  const walk = (folder: string) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const file = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.isFile()) bytes += fs.statSync(file).size;
    }
  };
  walk(dir);
  const packages = fs
    .readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) =>
      name.startsWith('@') ? fs.readdirSync(path.join(dir, name)).map((n) => `${name}/${n}`) : [name],
    )
    .sort();
  return { bytes, packages };
}

/** The S3 key of a function's code, as the synthesized template will carry it. */
function s3KeyOf(fn: lambda.Function): string {
  const code = Stack.of(fn).resolve((fn.node.defaultChild as lambda.CfnFunction).code) as { s3Key: string };
  return code.s3Key;
}

/**
 * This repository's synth of the construct and of every bundle, from source. Its cloud assembly
 * folder is right under the repository, as `cdk synth`'s cdk.out is, so the bundles' source maps
 * name the sources by the same relative paths (lib/memory-function.ts, prebuiltBundleDir). Only
 * the assets are written: staging bundles while the constructs are created.
 */
function synthesizeFromSource(): typeof repoSynth {
  const app = new App({ outdir: repoOutdir, context: cdkJsonContext() });
  const stack = new Stack(app, 'Consumer');
  const memory = new AgenticMemory(stack, 'Memory');
  const s3Keys: Record<string, string> = {};
  for (const fn of memory.node.findAll().filter((c): c is MemoryFunction => c instanceof MemoryFunction))
    s3Keys[stack.resolve((fn.node.defaultChild as lambda.CfnFunction).logicalId) as string] = s3KeyOf(fn);

  const bundles = new Stack(app, 'Bundles');
  const bundleAssets: Record<string, string> = {};
  for (const bundle of BUNDLES) {
    const fn = new MemoryFunction(bundles, bundle.name, {
      serviceName: bundle.service,
      memoryBackend: bundle.backend,
      description: bundle.name,
      memorySize: 128,
      timeout: Duration.seconds(3),
    });
    bundleAssets[bundle.name] = path.join(repoOutdir, `asset.${s3KeyOf(fn).replace(/\.zip$/, '')}`);
  }
  return { s3Keys, bundleAssets };
}

beforeAll(() => {
  work = temporaryDirectory('agentic-memory-importable');
  consumer = path.join(work, 'consumer');
  installed = path.join(consumer, 'node_modules', 'agentic-memory');
  fs.mkdirSync(path.join(consumer, 'node_modules'), { recursive: true });
  repoOutdir = fs.mkdtempSync(path.join(REPO_ROOT, 'cdk.out.packaging-'));

  // `prepack` builds dist/ and functions/ first.
  const out = run('npm pack', 'npm', ['pack', '--json', '--pack-destination', work], { cwd: REPO_ROOT });
  packed = (JSON.parse(out.slice(out.indexOf('[\n'))) as (typeof packed)[])[0];

  const peers = ['aws-cdk-lib', 'constructs'];
  fs.writeFileSync(
    path.join(consumer, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      version: '1.0.0',
      private: true,
      dependencies: Object.fromEntries(
        peers.map((name) => [name, packageJson(path.join(REPO_ROOT, 'node_modules', name)).version]),
      ),
    }),
  );
  installPeers(peers);
  const before = measure(path.join(consumer, 'node_modules'));
  // Offline: the package must need nothing from the registry. Scripts allowed, whatever the
  // user's npm configuration says: none may be there to run.
  run(
    'npm install',
    'npm',
    ['install', path.join(work, packed.filename), '--offline', '--ignore-scripts=false', '--no-audit', '--no-fund'],
    { cwd: consumer },
  );
  const after = measure(path.join(consumer, 'node_modules'));
  installedBytes = {
    before: before.bytes,
    after: after.bytes,
    packagesBefore: before.packages,
    packagesAfter: after.packages,
  };

  fs.writeFileSync(path.join(consumer, 'app.ts'), CONSUMER_APP);
  fs.writeFileSync(path.join(consumer, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  run('tsc', process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.'], { cwd: consumer });
  run('synth', process.execPath, ['app.js'], { cwd: consumer, env: { CDK_DOCKER: path.join(work, 'no-docker-here') } });

  const started = Date.now();
  repoSynth = synthesizeFromSource();
  seconds['synth from source'] = (Date.now() - started) / 1000;
});

afterAll(() => {
  // What the install costs, and the timings of the steps, for whoever wonders why this suite takes a minute.
  if (installedBytes) {
    console.log(
      `importable: the package adds ${((installedBytes.after - installedBytes.before) / 1e6).toFixed(1)} MB ` +
        `to an app with aws-cdk-lib and constructs (${(installedBytes.before / 1e6).toFixed(0)} MB); ` +
        Object.entries(seconds)
          .map(([step, s]) => `${step} ${s.toFixed(1)} s`)
          .join(', '),
    );
  }
  if (work) fs.rmSync(work, { recursive: true, force: true });
  if (repoOutdir) fs.rmSync(repoOutdir, { recursive: true, force: true });
});

/** The consumer's synthesized template. */
function consumerTemplate(): { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> } {
  return JSON.parse(fs.readFileSync(path.join(consumer, 'cdk.out', 'Consumer.template.json'), 'utf8'));
}

test('the tarball ships the compiled library with declarations, the functions’ bundles and the admin CLI, nothing else', () => {
  const files = packed.files.map((file) => file.path);
  expect(files).toEqual(
    expect.arrayContaining(['package.json', 'LICENSE', 'dist/lib/index.js', 'dist/lib/index.d.ts']),
  );
  const bundles = files.filter((file) => file.startsWith('functions/')).sort();
  expect(bundles).toEqual(
    BUNDLES.flatMap(({ name }) => [`functions/${name}/index.js`, `functions/${name}/index.js.map`]).sort(),
  );
  const unexpected = files.filter(
    (file) =>
      !/^(dist\/lib\/(parts\/)?[^/]+\.(js|d\.ts)|dist\/cli\/admin-cli\.js|bin\/agentic-memory-cli\.js|functions\/[^/]+\/index\.js(\.map)?|package\.json|README\.md|LICENSE)$/.test(
        file,
      ),
  );
  expect(unexpected).toEqual([]);
  // No handler sources: the installed construct deploys the bundles (lib/memory-function.ts, functionCode).
  expect(files.some((file) => file.startsWith('lambdas/'))).toBe(false);
});

test('the installed package carries the MIT license its package.json declares', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as { license: string };
  expect(manifest.license).toBe('MIT');
  const license = fs.readFileSync(path.join(installed, 'LICENSE'), 'utf8');
  expect(license.split('\n', 1)[0]).toBe('MIT License');
  expect(license).toContain('Copyright (c) 2026 AgenticMemory contributors');
});

test('installing it adds the package alone: no dependency, no install script, no native module, under 20 MB', () => {
  expect(installedBytes.packagesAfter).toEqual([...installedBytes.packagesBefore, 'agentic-memory'].sort());
  expect(packageJson(installed).dependencies).toBeUndefined();

  const withScripts = JSON.parse(
    run(
      'npm query',
      'npm',
      ['query', ':attr(scripts, [preinstall]), :attr(scripts, [install]), :attr(scripts, [postinstall])'],
      { cwd: consumer },
    ),
  ) as Array<{ name: string }>;
  expect(withScripts.map((node) => node.name)).toEqual([]);
  const native: string[] = [];
  const findNative = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) findNative(path.join(dir, entry.name));
      else if (entry.name === 'binding.gyp' || entry.name.endsWith('.node')) native.push(path.join(dir, entry.name));
    }
  };
  findNative(path.join(consumer, 'node_modules'));
  expect(native).toEqual([]);

  expect(installedBytes.after - installedBytes.before).toBeLessThan(INSTALL_BUDGET_BYTES);
});

test('the consumer app type-checked against the shipped declarations (strict, with a @ts-expect-error that needs real types)', () => {
  expect(fs.existsSync(path.join(consumer, 'app.js'))).toBe(true);
});

test('new AgenticMemory(this, "Memory") synthesizes without Docker or esbuild: four Node.js 24 ARM64 functions, each its prebuilt bundle', () => {
  // Nothing in the app could bundle: synth worked because it bundled nothing.
  expect(() => require.resolve('esbuild', { paths: [consumer] })).toThrow();

  const template = consumerTemplate();
  const functions = Object.values(template.Resources).filter(
    (resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Runtime === 'nodejs24.x',
  );
  expect(functions).toHaveLength(4);
  for (const fn of functions) {
    expect(fn.Properties.Architectures).toEqual(['arm64']);
    expect(fn.Properties.Handler).toBe('index.handler');
    const asset = path.join(
      consumer,
      'cdk.out',
      `asset.${(fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '')}`,
    );
    expect(fs.readdirSync(asset).sort()).toEqual(['index.js', 'index.js.map']);
  }
});

test('the consumer’s functions have the code hashes of this repository’s own synth of the same construct', () => {
  const consumerKeys = Object.fromEntries(
    Object.entries(consumerTemplate().Resources)
      .filter(
        ([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Runtime === 'nodejs24.x',
      )
      .map(([id, resource]) => [id, (resource.Properties.Code as { S3Key: string }).S3Key]),
  );
  expect(Object.keys(repoSynth.s3Keys)).toHaveLength(4);
  expect(consumerKeys).toEqual(repoSynth.s3Keys);
});

test.each(BUNDLES.map((bundle) => [bundle.name]))(
  'functions/%s in the package is byte for byte what the construct bundles from source',
  (name) => {
    const shipped = path.join(installed, 'functions', name);
    const built = repoSynth.bundleAssets[name];
    expect(fs.readdirSync(built).sort()).toEqual(['index.js', 'index.js.map']);
    expect(fs.readdirSync(shipped).sort()).toEqual(['index.js', 'index.js.map']);
    for (const file of ['index.js', 'index.js.map'])
      expect(fs.readFileSync(path.join(shipped, file)).equals(fs.readFileSync(path.join(built, file)))).toBe(true);
  },
);

describe('the admin CLI from the installed package, one bundled file', () => {
  const bin = () => path.join(consumer, 'node_modules', '.bin', 'agentic-memory');

  test('npx agentic-memory --help: every command; --local says the local stack is not shipped', () => {
    const help = spawnSync(bin(), ['--help'], { encoding: 'utf8', cwd: consumer });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: agentic-memory [options] [command]');
    for (const command of ['forget', 'export', 'replay', 'status', 'secrets', 'smoke'])
      expect(help.stdout).toContain(command);

    const local = spawnSync(bin(), ['status', '--local', '--home', consumer], { encoding: 'utf8', cwd: consumer });
    expect(local.status).toBe(2);
    expect(local.stderr).toContain('--local needs a checkout of AgenticMemory');
  });

  test('mem0ai in the bundle finds Mem0 telemetry off when it loads, whatever the environment says', () => {
    const preload = path.join(work, 'telemetry-reads.cjs');
    fs.writeFileSync(preload, TELEMETRY_READS);
    const cli = path.join(installed, 'dist', 'cli', 'admin-cli.js');
    const env = childEnvironment();
    delete env.MEM0_TELEMETRY;
    const help = spawnSync(process.execPath, ['--require', preload, cli, '--help'], {
      encoding: 'utf8',
      cwd: consumer,
      env,
    });
    expect(help.status).toBe(0);
    const reads = JSON.parse(fs.readFileSync(`${cli}.telemetry-reads.json`, 'utf8')) as string[];
    expect(reads.length).toBeGreaterThan(0);
    expect(new Set(reads)).toEqual(new Set(['false']));
  });

  test('status --stack: its bundled AWS SDK clients read the stack and its queues', async () => {
    const plane = await AwsControlPlane.start();
    const home = path.join(work, 'home');
    fs.mkdirSync(home, { recursive: true });
    try {
      const queueUrl = plane.createQueue('AgenticMemory-IngestQueue');
      plane.stacks.set('AgenticMemory', {
        ClientDataApiUrl: 'https://client-data.example',
        RetrieveApiUrl: 'https://retrieve.example',
        PostCallApiUrl: 'https://post-call.example',
        ArchiveBucketName: 'archive',
        IngestQueueUrl: queueUrl,
        IngestDeadLetterQueueUrl: plane.createQueue('AgenticMemory-IngestDeadLetterQueue'),
        Mem0ApiKeySecretName: 'am/mem0',
        HmacKeySecretName: 'am/hmac',
        WorkspaceKeySecretName: 'am/workspace',
        RetrieveApiKeySecretName: 'am/retrieve',
        MemoryTokenKeySecretName: 'am/memory-token',
      });
      plane.queue(queueUrl).send('{"Records":[]}');
      // Asynchronous: the control plane answers from this process.
      const { stdout } = await promisify(execFile)(
        bin(),
        ['status', '--stack', 'AgenticMemory', '--region', 'us-east-1', '--json'],
        {
          cwd: consumer,
          env: childEnvironment({
            HOME: home,
            AWS_CONFIG_FILE: path.join(home, 'config'),
            AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
            AWS_ACCESS_KEY_ID: 'AKIDLOOPBACK',
            AWS_SECRET_ACCESS_KEY: 'loopback',
            AWS_EC2_METADATA_DISABLED: 'true',
            AWS_ENDPOINT_URL_CLOUDFORMATION: plane.endpoint,
            AWS_ENDPOINT_URL_SQS: plane.endpoint,
            AWS_ENDPOINT_URL_CLOUDWATCH: plane.endpoint,
          }),
        },
      );
      expect(JSON.parse(stdout)).toMatchObject({
        deployment: 'stack AgenticMemory (us-east-1)',
        waiting: 1,
        inFlight: 0,
        deadLetters: 0,
      });
      expect(plane.requests.length).toBeGreaterThan(0);
    } finally {
      await plane.close();
    }
  });
});
