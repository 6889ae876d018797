import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PARTS, buildFunctionBundles, bundle, describeBundle } from '../../bench/bundles';
import { constructEnvironments, loopbackEnvironment } from '../../bench/construct-environment';
import { benchFunctions, entryOf } from '../../bench/functions';
import { postCallEvent, retrieveEvent } from '../../bench/events';
import {
  EventStreamSerde,
  eventStreamSerdeProvider,
  resolveEventStreamSerdeConfig,
} from '../../lambdas/shared/aws/no-event-streams';
import axiosShim from '../../lambdas/shared/memory/mem0-axios-shim';
import { MemoryFunction, handlerEntry } from '../../lib/memory-function';
import { actorIdOf } from '../../lambdas/shared/memory/agentcore-ids';
import { startAgentCoreServer, type AgentCoreLoopbackServer } from '../support/agentcore-server';
import { lambdaContext } from '../support/http-event';
import { startMem0Server, type Mem0LoopbackServer } from '../support/mem0-server';
import { S3RVER_CREDENTIALS, startLocalS3 } from '../support/s3';
import { SecretsManagerLoopback } from '../support/secrets-manager-server';
import { bareStack, logicalId, temporaryDirectory } from '../lib/cdk-test-app';

/**
 * The benchmark measures what is deployed: its esbuild build is the construct's, byte for byte,
 * and the bundled Mem0 client (axios left out) still talks to Mem0.
 */

let work: string;
beforeAll(() => {
  work = temporaryDirectory('agentic-memory-bundles');
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test.each(['mem0', 'agentcore'] as const)(
  'the benchmark’s build of a function (%s) is byte for byte the one NodejsFunction bundles for the construct',
  async (memoryBackend) => {
    const outdir = path.join(work, `cdk.out-${memoryBackend}`);
    const stack = bareStack({ bundle: true, outdir });
    const fn = new MemoryFunction(stack, 'Retrieve', {
      serviceName: 'retrieve',
      memoryBackend,
      description: 'bench equivalence',
      memorySize: 1024,
      timeout: Duration.seconds(10),
    });
    const code = Template.fromStack(stack).toJSON().Resources[logicalId(fn)].Properties.Code as { S3Key: string };
    const deployed = fs.readFileSync(path.join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`, 'index.js'));

    const benchFile = path.join(work, `bench-${memoryBackend}`, 'index.js');
    await bundle(entryOf({ service: 'retrieve', backend: memoryBackend }), benchFile);
    expect(fs.readFileSync(benchFile).equals(deployed)).toBe(true);
  },
);

test('no function ships code it never runs: no axios anywhere, no S3 client in retrieve, no memory client in post-call, no Mem0 client in an AgentCore bundle and no AgentCore client in a Mem0 one', async () => {
  const bundles = await buildFunctionBundles(path.join(work, 'functions'), benchFunctions(['mem0', 'agentcore']));
  expect(bundles.map((b) => ({ name: b.name, deadCode: b.deadCode }))).toEqual(
    [
      'client-data · mem0',
      'retrieve · mem0',
      'ingest · mem0',
      'retention · mem0',
      'client-data · agentcore',
      'retrieve · agentcore',
      'ingest · agentcore',
      'retention · agentcore',
      'post-call',
    ].map((name) => ({ name, deadCode: [] })),
  );
  const packages = (name: string) => bundles.find((b) => b.name === name)!.packages.map((p) => p.name);
  for (const b of bundles) expect(packages(b.name)).not.toContain('axios');
  expect(packages('retrieve · mem0')).not.toContain('@aws-sdk/client-s3');
  expect(packages('retrieve · agentcore')).not.toContain('@aws-sdk/client-s3');
  for (const service of ['client-data', 'retrieve', 'ingest', 'retention']) {
    // Each holds its own client (what the dead-code check looks for is really there to be found) and not the other's.
    expect(packages(`${service} · mem0`)).toContain('mem0ai');
    expect(packages(`${service} · mem0`)).not.toContain('@aws-sdk/client-bedrock-agentcore');
    expect(packages(`${service} · agentcore`)).toContain('@aws-sdk/client-bedrock-agentcore');
    expect(packages(`${service} · agentcore`)).not.toContain('mem0ai');
  }
  expect(packages('post-call')).not.toContain('mem0ai');
  expect(packages('post-call')).not.toContain('@aws-sdk/client-bedrock-agentcore');
});

test('a memory client, or its adapter, in a bundle made for the other backend is dead code', () => {
  const file = path.join(work, 'described', 'index.js');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '');
  fs.writeFileSync(`${file}.map`, '');
  const deadCode = (backend: 'mem0' | 'agentcore' | undefined, service: 'retrieve' | 'post-call', input: string) =>
    describeBundle({ name: 'f', service, backend }, file, [{ input, bytes: 10 }]).deadCode;
  const mem0Client = PARTS[0].what;
  const agentCoreClient = PARTS[1].what;
  expect(mem0Client).toMatch(/Mem0 client/);
  expect(agentCoreClient).toMatch(/AgentCore client/);

  expect(deadCode('agentcore', 'retrieve', 'node_modules/mem0ai/dist/index.mjs')).toEqual([mem0Client]);
  expect(deadCode('agentcore', 'retrieve', 'lambdas/shared/memory/mem0-store.ts')).toEqual([mem0Client]);
  expect(deadCode('mem0', 'retrieve', 'node_modules/@aws-sdk/client-bedrock-agentcore/dist-es/index.js')).toEqual([
    agentCoreClient,
  ]);
  expect(deadCode('mem0', 'retrieve', 'lambdas/shared/memory/agentcore-store.ts')).toEqual([agentCoreClient]);
  expect(deadCode(undefined, 'post-call', 'lambdas/shared/memory/agentcore-store.ts')).toEqual([agentCoreClient]);
  expect(deadCode(undefined, 'post-call', 'node_modules/mem0ai/dist/index.mjs')).toEqual([mem0Client]);
  // Its own client is not dead code; the control plane's client is neither backend's data-plane client.
  expect(deadCode('agentcore', 'retrieve', 'node_modules/@aws-sdk/client-bedrock-agentcore/dist-es/index.js')).toEqual(
    [],
  );
  expect(deadCode('mem0', 'retrieve', 'node_modules/mem0ai/dist/index.mjs')).toEqual([]);
  expect(
    deadCode('mem0', 'retrieve', 'node_modules/@aws-sdk/client-bedrock-agentcore-control/dist-es/index.js'),
  ).toEqual([]);
});

test('the stand-ins fail loudly should a bundle ever use what they replace', () => {
  expect(() => axiosShim.create().post()).toThrow(/axios is not bundled/);
  const config = resolveEventStreamSerdeConfig({ eventStreamSerdeProvider });
  expect(() => config.eventStreamMarshaller.deserialize()).toThrow(/event streams are not bundled/);
  expect(() => new EventStreamSerde()).toThrow(/event streams are not bundled/);
});

describe('the bundled retrieve function against the Mem0 routes', () => {
  let mem0: Mem0LoopbackServer;
  let secretsManager: SecretsManagerLoopback;
  const caller = '+16125550142';
  const retrieveKey = 'rk_bundle_test_0123456789';

  beforeAll(async () => {
    mem0 = await startMem0Server();
    secretsManager = await SecretsManagerLoopback.start({
      'am/mem0': mem0.apiKey,
      'am/retrieve': retrieveKey,
      'am/memory-token': 'mtk_bundle_test_0123456789',
    });
    mem0.seed({ userId: caller, memory: 'Grew up in Duluth, Minnesota', metadata: { type: 'semantic' } });
  });
  afterAll(async () => {
    await Promise.all([mem0.close(), secretsManager.close()]);
  });

  test('answers a search with the real mem0ai client, built as deployed (no axios), in plain Node', async () => {
    const file = path.join(work, 'retrieve', 'index.js');
    await bundle(handlerEntry('retrieve'), file);
    const env = loopbackEnvironment('retrieve', constructEnvironments().retrieve, {
      mem0Url: mem0.url,
      s3Endpoint: 'http://127.0.0.1:9',
      bucket: 'unused',
      secretsManagerEndpoint: secretsManager.endpoint,
      dynamoDbEndpoint: 'http://127.0.0.1:9',
      idempotencyTable: 'unused',
      secretIds: {
        MEM0_API_KEY_SECRET_ID: 'am/mem0',
        RETRIEVE_API_KEY_SECRET_ID: 'am/retrieve',
        MEMORY_TOKEN_KEY_SECRET_ID: 'am/memory-token',
      },
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const invocation = {
      event: retrieveEvent(caller, 'where did she grow up', retrieveKey),
      context: { ...lambdaContext('retrieve') },
    };
    // Asynchronous: the loopback servers answer from this process while the function runs.
    const response = await runInNode(file, env, invocation);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).memories[0].memory).toBe('Grew up in Duluth, Minnesota');
    const search = mem0.requests.find((r) => r.path === '/v3/memories/search/');
    expect(search?.body).toMatchObject({ filters: { user_id: caller } });
    expect(search?.headers.authorization).toBe(`Token ${mem0.apiKey}`);
  });
});

describe('the bundled AgentCore retrieve function against the AgentCore data plane', () => {
  let agentCore: AgentCoreLoopbackServer;
  let secretsManager: SecretsManagerLoopback;
  const caller = '+16125550143';
  const retrieveKey = 'rk_bundle_test_0123456789';

  beforeAll(async () => {
    agentCore = await startAgentCoreServer();
    secretsManager = await SecretsManagerLoopback.start({
      'am/retrieve': retrieveKey,
      'am/memory-token': 'mtk_bundle_test_0123456789',
    });
    agentCore.seedRecord({
      namespace: `/agentic-memory/actors/${actorIdOf(caller)}/semantic/facts/`,
      text: 'Grew up in Duluth, Minnesota',
    });
  });
  afterAll(async () => {
    await Promise.all([agentCore.close(), secretsManager.close()]);
  });

  test('answers a search with the real AgentCore client, built from index-agentcore.ts as the bench builds it, with the environment the bench gives it', async () => {
    const file = path.join(work, 'agentcore', 'retrieve', 'index.js');
    await bundle(entryOf({ service: 'retrieve', backend: 'agentcore' }), file);
    const env = loopbackEnvironment('retrieve', constructEnvironments('agentcore').retrieve, {
      mem0Url: 'http://127.0.0.1:9',
      agentCore: { endpoint: agentCore.url, memoryId: agentCore.memoryId },
      s3Endpoint: 'http://127.0.0.1:9',
      bucket: 'unused',
      secretsManagerEndpoint: secretsManager.endpoint,
      dynamoDbEndpoint: 'http://127.0.0.1:9',
      idempotencyTable: 'unused',
      secretIds: { RETRIEVE_API_KEY_SECRET_ID: 'am/retrieve', MEMORY_TOKEN_KEY_SECRET_ID: 'am/memory-token' },
      credentials: { accessKeyId: 'bench-key-id', secretAccessKey: 'bench-secret' },
    });
    expect(env).toMatchObject({ MEMORY_BACKEND: 'agentcore', AGENTCORE_MEMORY_ID: agentCore.memoryId });
    expect(env).not.toHaveProperty('MEM0_API_KEY_SECRET_ID');
    expect(env).not.toHaveProperty('MEM0_HOST');
    const response = await runInNode(file, env, {
      event: retrieveEvent(caller, 'where did she grow up', retrieveKey),
      context: { ...lambdaContext('retrieve') },
    });
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).memories[0].memory).toBe('Grew up in Duluth, Minnesota');
    const search = agentCore.requests.find((r) => r.operation === 'RetrieveMemoryRecords');
    expect(search?.body).toMatchObject({ namespace: `/agentic-memory/actors/${actorIdOf(caller)}/` });
    // Signed with the credentials of its environment, as a Lambda signs with its role's.
    expect(String(search?.headers.authorization)).toContain('Credential=bench-key-id/');
  });
});

test('the bundled post-call function signs its S3 write with the credentials in its environment', async () => {
  const s3 = await startLocalS3();
  const secretsManager = await SecretsManagerLoopback.start({ 'am/hmac': 'wsec_bundle_test' });
  try {
    const file = path.join(work, 'post-call', 'index.js');
    await bundle(handlerEntry('post-call'), file);
    const env = loopbackEnvironment('post-call', constructEnvironments()['post-call'], {
      mem0Url: 'http://127.0.0.1:9',
      s3Endpoint: s3.endpoint,
      bucket: s3.bucket,
      secretsManagerEndpoint: secretsManager.endpoint,
      dynamoDbEndpoint: 'http://127.0.0.1:9',
      idempotencyTable: 'unused',
      secretIds: { ELEVENLABS_HMAC_KEY_SECRET_ID: 'am/hmac' },
      // s3rver refuses any request not signed with its own key.
      credentials: S3RVER_CREDENTIALS,
    });
    const payload = Buffer.from(
      JSON.stringify({ type: 'post_call_transcription', data: { conversation_id: 'conv_bundle' } }),
    );
    const invocation = {
      event: postCallEvent(payload, 'wsec_bundle_test'),
      context: { ...lambdaContext('post-call') },
    };
    const response = await runInNode(file, env, invocation);
    expect(response.statusCode).toBe(200);
    expect(await s3.listKeys('post-call/raw/')).toEqual([
      expect.stringContaining('/conv_bundle/post_call_transcription-'),
    ]);
  } finally {
    await Promise.all([s3.close(), secretsManager.close()]);
  }
});

/** Loads a bundle in a fresh Node process with `env` and invokes its handler once. */
function runInNode(
  file: string,
  env: Record<string, string>,
  invocation: unknown,
): Promise<{ statusCode: number; body: string }> {
  const script = `
    const fs = require('fs');
    const { event, context } = JSON.parse(fs.readFileSync(0, 'utf8'));
    context.getRemainingTimeInMillis = () => 10000;
    require(${JSON.stringify(file)}).handler(event, context).then(
      (response) => fs.writeSync(3, JSON.stringify(response)),
      (error) => { console.error(error); process.exitCode = 1; });`;
  const child = spawn(process.execPath, ['-e', script], { env, stdio: ['pipe', 'ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdio[3]!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  child.stdin!.end(JSON.stringify(invocation));
  return new Promise((resolve, reject) =>
    child.on('close', (code) =>
      code === 0 && out ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}: ${err}`)),
    ),
  );
}
