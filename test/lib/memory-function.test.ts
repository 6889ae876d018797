import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { MemoryFunction, functionCode, handlerEntry, packageRoot, prebuiltBundleDir } from '../../lib/memory-function';
import { REPO_ROOT, bareStack, logicalId, permissionsOf, temporaryDirectory } from './cdk-test-app';

function build(props: Partial<ConstructorParameters<typeof MemoryFunction>[2]> = {}) {
  const stack = bareStack();
  const fn = new MemoryFunction(stack, 'Fn', {
    serviceName: 'retrieve',
    description: 'test',
    memorySize: 512,
    timeout: Duration.seconds(7),
    environment: { EXTRA: 'yes' },
    ...props,
  });
  const template = Template.fromStack(stack);
  return { fn, template, resources: template.toJSON().Resources };
}

test('Node.js 24 on ARM64, the service’s handler, sizing as given, tracing active', () => {
  const { fn, resources } = build();
  expect(resources[logicalId(fn)].Properties).toMatchObject({
    Runtime: 'nodejs24.x',
    Architectures: ['arm64'],
    Handler: 'index.handler',
    MemorySize: 512,
    Timeout: 7,
    Description: 'test',
    TracingConfig: { Mode: 'Active' },
  });
});

test('the environment: given variables plus source maps, no Mem0 telemetry, Powertools service and namespace', () => {
  const { fn, resources } = build();
  expect(resources[logicalId(fn)].Properties.Environment.Variables).toEqual({
    EXTRA: 'yes',
    NODE_OPTIONS: '--enable-source-maps',
    MEM0_TELEMETRY: 'false',
    POWERTOOLS_SERVICE_NAME: 'retrieve',
    POWERTOOLS_METRICS_NAMESPACE: 'AgenticMemory',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
});

test('the wrapper’s variables win over a caller trying to turn telemetry back on', () => {
  const { fn, resources } = build({ environment: { MEM0_TELEMETRY: 'true' } });
  expect(resources[logicalId(fn)].Properties.Environment.Variables.MEM0_TELEMETRY).toBe('false');
});

test('its own log group: one week and retained by default, configurable', () => {
  const defaults = build();
  expect(defaults.resources[logicalId(defaults.fn)].Properties.LoggingConfig).toEqual({
    LogGroup: { Ref: logicalId(defaults.fn.functionLogGroup) },
  });
  expect(defaults.resources[logicalId(defaults.fn.functionLogGroup)]).toMatchObject({
    Properties: { RetentionInDays: 7 },
    DeletionPolicy: 'Retain',
  });
  const custom = build({ logRetention: logs.RetentionDays.THREE_MONTHS, logRemovalPolicy: RemovalPolicy.DESTROY });
  expect(custom.resources[logicalId(custom.fn.functionLogGroup)]).toMatchObject({
    Properties: { RetentionInDays: 90 },
    DeletionPolicy: 'Delete',
  });
});

test('its own role: no managed policy, writes only to its log group (and X-Ray when tracing)', () => {
  const { fn, template, resources } = build();
  expect(resources[logicalId(fn.executionRole)].Properties.ManagedPolicyArns).toBeUndefined();
  expect(permissionsOf(template, logicalId(fn.executionRole))).toEqual([
    `logs:CreateLogStream on <${logicalId(fn.functionLogGroup)}.Arn>`,
    `logs:PutLogEvents on <${logicalId(fn.functionLogGroup)}.Arn>`,
    'xray:PutTelemetryRecords on *',
    'xray:PutTraceSegments on *',
  ]);
  const untraced = build({ tracing: lambda.Tracing.DISABLED });
  expect(permissionsOf(untraced.template, logicalId(untraced.fn.executionRole))).toHaveLength(2);
});

test('reserved concurrency only when asked', () => {
  expect(build().resources[logicalId(build().fn)]?.Properties.ReservedConcurrentExecutions).toBeUndefined();
  const reserved = build({ reservedConcurrentExecutions: 3 });
  expect(reserved.resources[logicalId(reserved.fn)].Properties.ReservedConcurrentExecutions).toBe(3);
});

describe('entry files', () => {
  test('from lib/ (tsx, ts-jest) the package root is the repository', () => {
    expect(packageRoot()).toBe(REPO_ROOT);
    for (const service of ['client-data', 'retrieve', 'post-call', 'ingest'] as const) {
      expect(handlerEntry(service)).toBe(path.join(REPO_ROOT, 'lambdas', service, 'index.ts'));
      expect(fs.existsSync(handlerEntry(service))).toBe(true);
    }
  });

  test('with the AgentCore backend, the functions that keep memories use their AgentCore entry', () => {
    for (const service of ['client-data', 'retrieve', 'ingest', 'retention'] as const) {
      expect(handlerEntry(service, 'agentcore')).toBe(path.join(REPO_ROOT, 'lambdas', service, 'index-agentcore.ts'));
      expect(fs.existsSync(handlerEntry(service, 'agentcore'))).toBe(true);
      expect(handlerEntry(service, 'mem0')).toBe(handlerEntry(service));
    }
  });

  test('from dist/lib/ in an installed package the root is the package, not the app above it', () => {
    const app = temporaryDirectory('agentic-memory-root');
    try {
      const pkg = path.join(app, 'node_modules', 'agentic-memory');
      fs.mkdirSync(path.join(pkg, 'dist', 'lib'), { recursive: true });
      fs.writeFileSync(path.join(pkg, 'package.json'), '{}');
      fs.writeFileSync(path.join(app, 'package.json'), '{}');
      expect(packageRoot(path.join(pkg, 'dist', 'lib'))).toBe(pkg);
    } finally {
      fs.rmSync(app, { recursive: true, force: true });
    }
  });

  test('without a package.json above: a clear error', () => {
    const nowhere = temporaryDirectory('agentic-memory-nowhere');
    try {
      expect(() => packageRoot(nowhere)).toThrow(/cannot find the package.json above/);
    } finally {
      fs.rmSync(nowhere, { recursive: true, force: true });
    }
  });
});

describe('what a function deploys', () => {
  test('each entry has its own bundle folder two levels below the package root, one per backend', () => {
    expect(prebuiltBundleDir(handlerEntry('retrieve'))).toBe(path.join(REPO_ROOT, 'functions', 'retrieve'));
    expect(prebuiltBundleDir(handlerEntry('retrieve', 'agentcore'))).toBe(
      path.join(REPO_ROOT, 'functions', 'retrieve-agentcore'),
    );
    expect(prebuiltBundleDir(handlerEntry('post-call'))).toBe(path.join(REPO_ROOT, 'functions', 'post-call'));
  });

  test('in a checkout: the handler source, bundled at synth', () => {
    for (const backend of ['mem0', 'agentcore'] as const)
      expect(functionCode(handlerEntry('ingest', backend))).toEqual({ source: handlerEntry('ingest', backend) });
  });

  test('in the installed package (bundles, no sources): the prebuilt bundle; both: the source; neither: a clear error', () => {
    const pkg = temporaryDirectory('agentic-memory-installed');
    try {
      for (const bundle of ['retrieve', 'retrieve-agentcore']) {
        fs.mkdirSync(path.join(pkg, 'functions', bundle), { recursive: true });
        fs.writeFileSync(path.join(pkg, 'functions', bundle, 'index.js'), 'exports.handler = async () => ({});');
      }
      const entry = (file: string) => path.join(pkg, 'lambdas', 'retrieve', file);
      expect(functionCode(entry('index.ts'))).toEqual({ prebuilt: path.join(pkg, 'functions', 'retrieve') });
      expect(functionCode(entry('index-agentcore.ts'))).toEqual({
        prebuilt: path.join(pkg, 'functions', 'retrieve-agentcore'),
      });
      // Where both are (a checkout after npm pack), the source wins.
      const source = path.join(pkg, 'lambdas', 'post-call', 'index.ts');
      fs.mkdirSync(path.dirname(source), { recursive: true });
      fs.writeFileSync(source, 'export const handler = async () => ({});');
      fs.mkdirSync(path.join(pkg, 'functions', 'post-call'));
      fs.writeFileSync(path.join(pkg, 'functions', 'post-call', 'index.js'), 'exports.handler = async () => ({});');
      expect(functionCode(source)).toEqual({ source });
      expect(() => functionCode(path.join(pkg, 'lambdas', 'ingest', 'index.ts'))).toThrow(
        `AgenticMemory: neither the handler ${path.join(pkg, 'lambdas', 'ingest', 'index.ts')} nor its prebuilt bundle ${path.join(pkg, 'functions', 'ingest')} exists`,
      );
    } finally {
      fs.rmSync(pkg, { recursive: true, force: true });
    }
  });
});
