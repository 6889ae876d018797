import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUDGET, warmChecks, type WarmFigures } from '../../bench/budgets';
import { constructEnvironments, loopbackEnvironment, type LoopbackEndpoints } from '../../bench/construct-environment';
import { backendsOf, benchFunctions, bundlePathOf, entryOf } from '../../bench/functions';
import { handlerEntry, packageRoot, prebuiltBundleDir } from '../../lib/memory-function';

/** What `--backend` measures, where each function comes from, and the environment each runs with. */

test('--backend both (the default) measures every function for Mem0 and for AgentCore, post-call once; one backend measures its own', () => {
  expect(backendsOf('both')).toEqual(['mem0', 'agentcore']);
  expect(backendsOf('mem0')).toEqual(['mem0']);
  expect(backendsOf('agentcore')).toEqual(['agentcore']);
  for (const refused of ['', 'Mem0', 'dynamodb', 'mem0,agentcore']) expect(backendsOf(refused)).toBeUndefined();

  const both = benchFunctions(['mem0', 'agentcore']);
  expect(both.map((fn) => [fn.name, fn.timed])).toEqual([
    ['client-data · mem0', true],
    ['retrieve · mem0', true],
    ['ingest · mem0', true],
    ['retention · mem0', false],
    ['client-data · agentcore', true],
    ['retrieve · agentcore', true],
    ['ingest · agentcore', true],
    ['retention · agentcore', false],
    ['post-call', true],
  ]);
  expect(benchFunctions(['agentcore']).map((fn) => fn.name)).toEqual([
    'client-data · agentcore',
    'retrieve · agentcore',
    'ingest · agentcore',
    'retention · agentcore',
    'post-call',
  ]);
  expect(benchFunctions(['agentcore']).find((fn) => fn.name === 'post-call')?.backend).toBeUndefined();
});

test('each function is built from the entry the construct deploys for its backend, into the folder the package ships it in', () => {
  for (const fn of benchFunctions(['mem0', 'agentcore'])) {
    const entry = entryOf(fn);
    expect(fs.existsSync(entry)).toBe(true);
    expect(entry).toBe(handlerEntry(fn.service, fn.backend));
    expect(path.join(packageRoot(), 'functions', bundlePathOf(fn))).toBe(
      path.join(prebuiltBundleDir(entry), 'index.js'),
    );
    if (fn.backend === 'agentcore') {
      expect(entry).toBe(path.join(packageRoot(), 'lambdas', fn.service, 'index-agentcore.ts'));
      expect(bundlePathOf(fn)).toBe(path.join(`${fn.service}-agentcore`, 'index.js'));
    } else {
      expect(entry).toBe(path.join(packageRoot(), 'lambdas', fn.service, 'index.ts'));
      expect(bundlePathOf(fn)).toBe(path.join(fn.service, 'index.js'));
    }
  }
});

const LOOPBACK: LoopbackEndpoints = {
  mem0Url: 'http://127.0.0.1:1001',
  agentCore: { endpoint: 'http://127.0.0.1:1002', memoryId: 'agenticMemoryLoopback-0123456789' },
  s3Endpoint: 'http://127.0.0.1:1003',
  bucket: 'archive',
  secretsManagerEndpoint: 'http://127.0.0.1:1004',
  dynamoDbEndpoint: 'http://127.0.0.1:1005',
  idempotencyTable: 'idempotency',
  secretIds: {
    MEM0_API_KEY_SECRET_ID: 'am/mem0',
    WORKSPACE_KEY_SECRET_ID: 'am/workspace',
    RETRIEVE_API_KEY_SECRET_ID: 'am/retrieve',
    ELEVENLABS_HMAC_KEY_SECRET_ID: 'am/hmac',
    MEMORY_TOKEN_KEY_SECRET_ID: 'am/memory-token',
  },
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench-secret' },
};

test('an AgentCore function runs with the environment the construct gives it with MemoryBackend.agentCore() — MEMORY_BACKEND=agentcore, the memory id (here the loopback memory’s) — the loopback endpoint, and no Mem0 secret or host', () => {
  const mem0 = constructEnvironments('mem0');
  const agentCore = constructEnvironments('agentcore');
  for (const service of ['client-data', 'retrieve', 'ingest'] as const) {
    const env = loopbackEnvironment(service, agentCore[service], LOOPBACK);
    expect(env).toMatchObject({
      MEMORY_BACKEND: 'agentcore',
      AGENTCORE_MEMORY_ID: LOOPBACK.agentCore!.memoryId,
      AGENTCORE_ENDPOINT: LOOPBACK.agentCore!.endpoint,
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench-secret',
    });
    expect(env).not.toHaveProperty('MEM0_API_KEY_SECRET_ID');
    expect(env).not.toHaveProperty('MEM0_HOST');
    // Everything else is the Mem0 deployment's.
    const mem0Env = loopbackEnvironment(service, mem0[service], LOOPBACK);
    expect(mem0Env).toMatchObject({ MEM0_HOST: LOOPBACK.mem0Url, MEM0_API_KEY_SECRET_ID: 'am/mem0' });
    expect(mem0Env).not.toHaveProperty('AGENTCORE_ENDPOINT');
    const without = (variables: Record<string, string>, names: string[]) =>
      Object.fromEntries(Object.entries(variables).filter(([name]) => !names.includes(name)));
    expect(without(env, ['MEMORY_BACKEND', 'AGENTCORE_MEMORY_ID', 'AGENTCORE_ENDPOINT'])).toEqual(
      without(mem0Env, ['MEM0_API_KEY_SECRET_ID', 'MEM0_HOST']),
    );
  }
  // post-call uses no memory: the same function and environment with either backend.
  expect(agentCore['post-call']).toEqual(mem0['post-call']);
  expect(() => loopbackEnvironment('retrieve', agentCore.retrieve, { ...LOOPBACK, agentCore: undefined })).toThrow(
    /retrieve's AGENTCORE_MEMORY_ID/,
  );
});

test('the AgentCore pre-call and search are held to the same warm budgets as Mem0’s, against their own floors', () => {
  const figure = (service: WarmFigures['service'], handlerP50: number, handlerP99: number): WarmFigures => ({
    scenario: `${service} · agentcore`,
    service,
    backend: 'agentcore',
    handler: { samples: 1000, p50: handlerP50, p99: handlerP99 },
    floor: { samples: 1000, p50: 10, p99: 30 },
  });
  const checks = warmChecks([
    figure('client-data', 10 + BUDGET.warmP50OverFloorMs, 30 + BUDGET.warmP99OverFloorMs),
    figure('retrieve', 12.01, 30),
    figure('ingest', 100, 300),
  ]);
  expect(checks.map((c) => [c.budget, c.passed])).toEqual([
    ['client-data · agentcore: p50 ≤ floor p50 + 2 ms', true],
    ['client-data · agentcore: p99 ≤ floor p99 + 10 ms', true],
    ['retrieve · agentcore: p50 ≤ floor p50 + 2 ms', false],
    ['retrieve · agentcore: p99 ≤ floor p99 + 10 ms', true],
  ]);
});
