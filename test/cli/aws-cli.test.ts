/**
 * The admin CLI against a "deployed" stack: the real AWS SDK clients (CloudFormation, S3, SQS,
 * CloudWatch, Secrets Manager) and the real mem0ai client, pointed at loopback peers with the
 * SDK's own AWS_ENDPOINT_URL_<SERVICE> variables. Real protocol servers: s3rver (S3), the Mem0
 * route server, dynalite (idempotency). Loopback fakes: CloudFormation, SQS and CloudWatch
 * (test/support/aws-control-plane.ts) and Secrets Manager (test/support/secrets-manager-server.ts).
 * The endpoints are the real handlers behind the local stack's HTTP bridge.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { S3Event } from 'aws-lambda';
import type { CallerExport } from '../../cli/export';
import { demoCall } from '../../lambdas/local/demo-call';
import { HttpBridge, type Route } from '../../lambdas/local/http-bridge';
import { createLocalPowertools } from '../../lambdas/local/local-powertools';
import {
  audioKey,
  callerClientDataPrefix,
  callerPrefix,
  callerTranscriptKey,
} from '../../lambdas/shared/archive/archive-keys';
import { scopedIdentity, type CallerId } from '../../lambdas/shared/caller';
import { createAgentCoreClient } from '../../lambdas/shared/memory/agentcore-client';
import { AGENTCORE_STRATEGIES, actorIdOf, actorNamespace } from '../../lambdas/shared/memory/agentcore-ids';
import { AgentCoreMemoryStore } from '../../lambdas/shared/memory/agentcore-store';
import { startAgentCoreServer, type AgentCoreLoopbackServer } from '../support/agentcore-server';
import { AwsControlPlane } from '../support/aws-control-plane';
import { SecretsManagerLoopback } from '../support/secrets-manager-server';
import { TEST_WEBHOOK_SECRET } from '../support/signing';
import { RETRIEVE_KEY, TestBed, WORKSPACE_KEY, json } from '../support/test-bed';
import { cli, stdinOf } from './cli-support';

const STACK = 'AgenticMemory';
const MARGARET = '+16125550142';
const DANIEL = '+13125550147';
const SECRET_NAMES = { mem0: 'am/mem0', hmac: 'am/hmac', workspace: 'am/workspace', retrieve: 'am/retrieve' };

let bed: TestBed;
let plane: AwsControlPlane;
let secrets: SecretsManagerLoopback;
let bridge: HttpBridge;
let queueUrl: string;
let deadLetterQueueUrl: string;
let savedEnv: NodeJS.ProcessEnv;
const aws = ['--stack', STACK, '--region', 'us-east-1'];

beforeAll(async () => {
  bed = await TestBed.start();
  plane = await AwsControlPlane.start();
  secrets = await SecretsManagerLoopback.start({
    [SECRET_NAMES.mem0]: bed.mem0.apiKey,
    [SECRET_NAMES.hmac]: TEST_WEBHOOK_SECRET,
    [SECRET_NAMES.workspace]: WORKSPACE_KEY,
    [SECRET_NAMES.retrieve]: RETRIEVE_KEY,
  });
  const route = (path: string, handler: Route['handler']): Route => ({
    method: 'POST',
    path,
    functionName: path.slice(1),
    handler,
  });
  bridge = new HttpBridge(
    [route('/client-data', bed.clientData), route('/retrieve', bed.retrieve), route('/post-call', bed.postCall)],
    createLocalPowertools('bridge', { format: 'json', level: 'ERROR', write: () => undefined }).logger,
  );
  const base = `http://127.0.0.1:${await bridge.listen(0, '127.0.0.1')}`;
  queueUrl = plane.createQueue('AgenticMemory-IngestQueue');
  deadLetterQueueUrl = plane.createQueue('AgenticMemory-IngestDeadLetterQueue');
  plane.stacks.set(STACK, {
    ClientDataApiUrl: `${base}/client-data`,
    RetrieveApiUrl: `${base}/retrieve`,
    PostCallApiUrl: `${base}/post-call`,
    ArchiveBucketName: bed.s3.bucket,
    IngestQueueUrl: queueUrl,
    IngestDeadLetterQueueUrl: deadLetterQueueUrl,
    Mem0Host: bed.mem0.url,
    Mem0ApiKeySecretName: SECRET_NAMES.mem0,
    HmacKeySecretName: SECRET_NAMES.hmac,
    WorkspaceKeySecretName: SECRET_NAMES.workspace,
    RetrieveApiKeySecretName: SECRET_NAMES.retrieve,
    MemoryTokenKeySecretName: 'am/memory-token',
    DashboardUrl: 'https://console.example/dashboard',
  });
  savedEnv = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_CLOUDFORMATION: plane.endpoint,
    AWS_ENDPOINT_URL_SQS: plane.endpoint,
    AWS_ENDPOINT_URL_CLOUDWATCH: plane.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AWS_ENDPOINT_URL_S3: bed.s3.endpoint,
    // s3rver accepts only its own key pair; the fakes accept anything.
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});

afterAll(async () => {
  process.env = savedEnv;
  await bridge.close();
  await Promise.all([bed.stop(), plane.close(), secrets.close()]);
});

/** A call of the caller as ElevenLabs delivers it, ingested as S3 → SQS → the worker would. */
async function callOf(callerId: string, callerName: string): Promise<string> {
  const call = demoCall({ callerId, callerName });
  expect((await bed.deliverPostCall(call.payload)).statusCode).toBe(200);
  expect(
    (
      await bed.deliverPostCall({
        type: 'post_call_audio',
        data: { conversation_id: call.conversationId, full_audio: 'SUQz' },
      })
    ).statusCode,
  ).toBe(200);
  expect(await bed.drainIngest()).toEqual({ batchItemFailures: [] });
  expect(
    (
      await bed.callClientData({
        caller_id: callerId,
        agent_id: 'agent_1',
        called_number: '+15555550100',
        call_sid: 'CA1',
      })
    ).statusCode,
  ).toBe(200);
  return call.conversationId;
}

async function returning(callerId: string): Promise<string> {
  const answer = await bed.callClientData({
    caller_id: callerId,
    agent_id: 'agent_1',
    called_number: '+15555550100',
    call_sid: 'CA2',
  });
  return (json(answer).dynamic_variables as Record<string, string>).returning_caller;
}

describe('forget and export on AWS', () => {
  let margaretsCall: string;
  beforeAll(async () => {
    margaretsCall = await callOf(MARGARET, 'Margaret Ellison');
    await callOf(DANIEL, 'Daniel Okafor');
  });

  it('export: Mem0 memories and the S3 archive of the caller as one document', async () => {
    const run = await cli(['export', MARGARET, ...aws]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout) as CallerExport;
    expect(document.source).toBe(`stack ${STACK} (us-east-1)`);
    expect(document.memories.length).toBe(bed.mem0.memoriesOf(MARGARET).length);
    expect(document.conversations.map((c) => c.conversationId)).toEqual([margaretsCall]);
    expect(document.audioKeys).toEqual([audioKey(margaretsCall)]);
  });

  it('forget --yes: Mem0 and S3 hold nothing more of Margaret; the real client-data handler answers a new caller', async () => {
    const run = await cli(['forget', MARGARET, ...aws, '--yes']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(bed.mem0.memoriesOf(MARGARET)).toEqual([]);
    expect(await bed.s3.listKeys(callerPrefix(MARGARET))).toEqual([]);
    expect(await bed.s3.listKeys(audioKey(margaretsCall))).toEqual([]);
    expect((await bed.s3.listKeys('post-call/raw/')).filter((key) => key.includes(margaretsCall))).toEqual([]);
    expect(await bed.s3.listKeys(callerClientDataPrefix(MARGARET))).toEqual([]);
    expect(await returning(MARGARET)).toBe('no');
    expect(await returning(DANIEL)).toBe('yes');
  });
});

describe('memory scope on AWS, as the stack outputs state it', () => {
  const PRIYA = '+12065550177';
  const SCOPED_STACK = 'AgenticMemoryScoped';
  const scoped = ['--stack', SCOPED_STACK, '--region', 'us-east-1'];
  const clinicA = scopedIdentity('clinic-a', PRIYA as CallerId);
  const clinicB = scopedIdentity('clinic-b', PRIYA as CallerId);

  beforeAll(async () => {
    plane.stacks.set(SCOPED_STACK, {
      ...(plane.stacks.get(STACK) as Record<string, string>),
      MemoryScope: 'agent',
      MemoryScopeMap: JSON.stringify({ 'clinic-a': ['agent_front'], 'clinic-b': ['agent_lab'] }),
      RetrieveAuth: 'token',
    });
    // What the scoped deployment's handlers would have filed: memories in Mem0, copies in S3.
    bed.mem0.seed({ userId: clinicA, memory: 'Priya asked about a cleaning', metadata: { type: 'factual' } });
    bed.mem0.seed({ userId: clinicB, memory: 'Priya booked a blood test', metadata: { type: 'factual' } });
    await bed.s3.archive.putJson(callerTranscriptKey(clinicB, 'conv_priya_lab'), '{"type":"post_call_transcription"}');
  });

  it('--scope is checked against the MemoryScopeMap output (an agent id means its scope)', async () => {
    const run = await cli(['export', PRIYA, '--scope', 'agent_front', ...scoped]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout) as CallerExport;
    expect(document.identities).toEqual([{ identity: clinicA, scope: 'clinic-a' }]);
    expect(document.memories.map((memory) => memory.memory)).toEqual(['Priya asked about a cleaning']);

    const unknown = await cli(['export', PRIYA, '--scope', 'agent_elsewhere', ...scoped]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('(its scopes: clinic-a, clinic-b)');
  });

  it('a stack without the MemoryScope output keeps one memory per caller: --scope is a usage error', async () => {
    const run = await cli(['export', PRIYA, '--scope', 'agent_front', ...aws]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('(memory scope "deployment"): leave --scope out');
  });

  it('forget without --scope erases the caller in every scope: Mem0 users and S3 folders alike', async () => {
    const run = await cli(['forget', PRIYA, '--yes', ...scoped]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`memory identity ${clinicA} (scope clinic-a)`);
    expect(run.stdout).toContain(`memory identity ${clinicB} (scope clinic-b)`);
    expect(bed.mem0.memoriesOf(clinicA)).toEqual([]);
    expect(bed.mem0.memoriesOf(clinicB)).toEqual([]);
    expect(await bed.s3.listKeys(callerPrefix(clinicB))).toEqual([]);
  });

  it('an output the functions would refuse fails clearly, naming the outputs', async () => {
    plane.stacks.set('BrokenScope', {
      ...(plane.stacks.get(STACK) as Record<string, string>),
      MemoryScope: 'per-agent',
    });
    const run = await cli(['status', '--stack', 'BrokenScope', '--region', 'us-east-1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('stack BrokenScope: outputs MemoryScope, MemoryScopeMap, RetrieveAuth');
    expect(run.stderr).toContain('MEMORY_SCOPE: must be one of deployment, agent, got "per-agent"');
  });
});

/** A stack's outputs less some. */
function withoutOutputs(outputs: Record<string, string> | undefined, ...names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(outputs ?? {}).filter(([name]) => !names.includes(name)));
}

describe('AgentCore memory on AWS, as the stack outputs state it', () => {
  const AGENTCORE_STACK = 'AgenticMemoryAgentCore';
  const onAgentCore = ['--stack', AGENTCORE_STACK, '--region', 'us-east-1'];
  const ROSA = '+15035550161' as CallerId;
  const TOMAS = '+15035550162' as CallerId;
  let server: AgentCoreLoopbackServer;
  let agentCoreOutputs: Record<string, string>;

  beforeAll(async () => {
    server = await startAgentCoreServer({
      strategies: AGENTCORE_STRATEGIES.map((strategy) => ({
        strategyId: `${strategy.name}-0123456789`,
        type: strategy.type,
        namespace: strategy.namespaces[0],
      })),
    });
    // The SDK's own variable, as for the other AWS clients of the CLI.
    process.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE = server.url;
    // An AgentCore stack's outputs: no Mem0 key secret, no Mem0 host; the backend and the memory id.
    const common = withoutOutputs(plane.stacks.get(STACK), 'Mem0ApiKeySecretName', 'Mem0Host');
    agentCoreOutputs = { ...common, MemoryBackend: 'agentcore', AgentCoreMemoryId: server.memoryId };
    plane.stacks.set(AGENTCORE_STACK, agentCoreOutputs);

    // What the stack's ingest worker would have written for two callers: each call's transcript as
    // events (the strategies extract from them), the summary and the caller's profile as records.
    const store = new AgentCoreMemoryStore({
      client: createAgentCoreClient({
        endpoint: server.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDLOOPBACK', secretAccessKey: 'loopback-secret' },
      }),
      memoryId: server.memoryId,
    });
    for (const [caller, name] of [
      [ROSA, 'Rosa'],
      [TOMAS, 'Tomas'],
    ] as const) {
      const conversationId = `conv_${name.toLowerCase()}`;
      const metadata = { conversation_id: conversationId, agent_id: 'agent_1', timestamp: '2026-11-20T10:00:00.000Z' };
      await store.add(caller, {
        kind: 'conversation',
        turns: [
          { role: 'assistant', content: 'Hello, how can I help?' },
          { role: 'user', content: `I am ${name} and I prefer morning appointments.` },
        ],
        metadata: { ...metadata, type: 'semantic' },
      });
      await store.add(caller, {
        kind: 'text',
        text: `${name} booked a morning appointment.`,
        metadata: { ...metadata, type: 'factual' },
      });
      await store.add(caller, {
        kind: 'text',
        text: `Name: ${name}`,
        metadata: { ...metadata, type: 'profile', profile: { user_name: name } },
      });
      await bed.s3.archive.putJson(callerTranscriptKey(caller, conversationId), '{"type":"post_call_transcription"}');
    }
    await server.settle();
    server.requests.length = 0;
  });

  afterAll(async () => {
    delete process.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE;
    await server.close();
  });

  const held = (caller: CallerId) => ({
    records: server.recordsUnder(actorNamespace(actorIdOf(caller))).length,
    events: server.eventsOf(actorIdOf(caller)).length,
  });

  it('export: the caller’s AgentCore records and events, read with the operator’s credentials, and the S3 archive', async () => {
    const run = await cli(['export', ROSA, ...onAgentCore]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout) as CallerExport;
    const { records, events } = held(ROSA);
    expect(records).toBeGreaterThanOrEqual(2);
    expect(events).toBeGreaterThanOrEqual(1);
    expect(document.memories.map((memory) => memory.memory)).toEqual(
      expect.arrayContaining(['Rosa booked a morning appointment.', 'Name: Rosa']),
    );
    expect(document.memories.some((memory) => memory.memory.includes('Tomas'))).toBe(false);
    expect(document.conversations.map((c) => c.conversationId)).toEqual(['conv_rosa']);
    // The memory the outputs name, signed for AgentCore in the stack's region with the CLI's credentials.
    expect(server.requests.length).toBeGreaterThan(0);
    for (const request of server.requests) {
      expect(request.path.startsWith(`/memories/${server.memoryId}/`)).toBe(true);
      expect(String(request.headers.authorization)).toMatch(
        /Credential=S3RVER\/\d{8}\/us-east-1\/bedrock-agentcore\/aws4_request/,
      );
    }
  });

  it('forget --yes: AgentCore holds no record or event of the caller, the archive no copy; the other caller keeps theirs', async () => {
    const tomas = held(TOMAS);
    const run = await cli(['forget', ROSA, ...onAgentCore, '--yes']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(held(ROSA)).toEqual({ records: 0, events: 0 });
    expect(await bed.s3.listKeys(callerPrefix(ROSA))).toEqual([]);
    expect(held(TOMAS)).toEqual(tomas);
    expect(tomas.records).toBeGreaterThan(0);
  });

  it('secrets: the stack has no Mem0 API key to list or set', async () => {
    const list = await cli(['secrets', ...onAgentCore, '--list']);
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain('Mem0 API key');
    expect(list.stdout).toContain(SECRET_NAMES.hmac);
    const set = await cli(['secrets', ...onAgentCore, '--set', 'mem0']);
    expect(set.code).toBe(2);
    expect(set.stderr).toContain('has no mem0ApiKey secret');
  });

  it('an AgentCore stack without its memory id output, or a backend this CLI does not know: clear errors', async () => {
    const withoutId = withoutOutputs(agentCoreOutputs, 'AgentCoreMemoryId');
    plane.stacks.set('NoMemoryId', withoutId);
    const missing = await cli(['export', TOMAS, '--stack', 'NoMemoryId', '--region', 'us-east-1']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(
      'stack NoMemoryId keeps memories in agentcore but has no output AgentCoreMemoryId',
    );

    plane.stacks.set('OtherBackend', { ...agentCoreOutputs, MemoryBackend: 'dynamodb' });
    const unknown = await cli(['export', TOMAS, '--stack', 'OtherBackend', '--region', 'us-east-1']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('output MemoryBackend is "dynamodb", expected mem0 or agentcore');
  });

  it('a Mem0 stack without its Mem0 key output: not found, naming it', async () => {
    const withoutKey = withoutOutputs(plane.stacks.get(STACK), 'Mem0ApiKeySecretName');
    plane.stacks.set('NoMem0Key', withoutKey);
    const run = await cli(['export', TOMAS, '--stack', 'NoMem0Key', '--region', 'us-east-1']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('stack NoMem0Key keeps memories in mem0 but has no output Mem0ApiKeySecretName');
  });
});

describe('queue operations on AWS', () => {
  it('status: depth and in-flight from SQS, oldest age and failures from CloudWatch, dead letters peeked', async () => {
    const event = (key: string) =>
      JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key } } }] });
    plane
      .queue(queueUrl)
      .send(event('post-call/raw/2026-11-20/conv_waiting/post_call_transcription-0123456789abcdef.json'));
    plane
      .queue(deadLetterQueueUrl)
      .send(event('post-call/raw/2026-11-19/conv_dead/post_call_transcription-0123456789abcdef.json'));
    const now = Math.floor(Date.now() / 1000);
    plane.metrics.set('AWS/SQS/ApproximateAgeOfOldestMessage', [
      { Timestamp: now - 120, Maximum: 30 },
      { Timestamp: now - 60, Maximum: 95 },
    ]);
    plane.metrics.set('AgenticMemory/IngestFailed', [
      { Timestamp: now - 7200, Sum: 3 },
      { Timestamp: now - 3600, Sum: 2 },
    ]);

    const run = await cli(['status', ...aws, '--json']);

    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      deployment: `stack ${STACK} (us-east-1)`,
      waiting: 1,
      inFlight: 0,
      oldestMessageAgeSeconds: 95,
      deadLetters: 1,
      recentFailures: {
        description: 'failed ingest attempts in the last 24 hours (metric IngestFailed)',
        count: 5,
        deadLettered: [
          {
            keys: ['post-call/raw/2026-11-19/conv_dead/post_call_transcription-0123456789abcdef.json'],
            at: expect.any(String),
            reason: null,
          },
        ],
      },
    });
    // Peeking leaves the dead letter where it is.
    expect(plane.queue(deadLetterQueueUrl).attributes().ApproximateNumberOfMessages).toBe('1');
  });

  it('replay --dead-letters moves every dead letter back to the ingest queue, in batches', async () => {
    const dead = plane.queue(deadLetterQueueUrl);
    for (let i = 0; i < 14; i++)
      dead.send(JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key: `k${i}` } } }] }));
    const before = plane.queue(queueUrl).messages.length;

    const run = await cli(['replay', '--dead-letters', ...aws]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Moved 15 dead-lettered payloads back to the ingest worker.');
    expect(dead.messages).toHaveLength(0);
    expect(plane.queue(queueUrl).messages.length).toBe(before + 15);
  });

  it('replay --conversation sends the notification S3 would; the real worker ingests it, and writes nothing twice', async () => {
    const conversation = await callOf('+12065550123', 'Priya Raman');
    const memories = bed.mem0.memoriesOf('+12065550123').length;
    plane.queue(queueUrl).messages.length = 0;

    const run = await cli(['replay', ...aws, '--conversation', conversation]);

    expect(run.stdout).toContain('Handed 1 archived transcription to the ingest worker.');
    const [body] = plane.queue(queueUrl).bodies();
    expect(await bed.redeliver([JSON.parse(body) as S3Event])).toEqual({ batchItemFailures: [] });
    expect(bed.mem0.memoriesOf('+12065550123')).toHaveLength(memories);
  });

  it('status: for a dead letter (SQS keeps no reason) points to the failures the ingest function logged', async () => {
    const dead = plane.queue(deadLetterQueueUrl);
    const key = 'post-call/raw/2026-11-19/conv_why/post_call_transcription-0123456789abcdef.json';
    dead.send(JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key } } }] }));

    const run = await cli(['status', ...aws]);
    dead.messages.length = 0;

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(key);
    expect(run.stdout).toContain(
      `why: the ingest function's log (CloudWatch Logs Insights: filter message = "ingest failed; the message will be retried" and key = "<key>")`,
    );
  });
});

describe('secrets on AWS', () => {
  it('--list shows each secret by name and how to read the generated ones, no value', async () => {
    const run = await cli(['secrets', ...aws, '--list']);
    expect(run.code).toBe(0);
    for (const name of Object.values(SECRET_NAMES)) expect(run.stdout).toContain(name);
    expect(run.stdout).toContain(
      `aws secretsmanager get-secret-value --region us-east-1 --secret-id ${SECRET_NAMES.workspace}`,
    );
    expect(run.stdout).not.toContain(WORKSPACE_KEY);
  });

  it('sets the Mem0 and HMAC keys typed hidden on a terminal; Enter keeps one', async () => {
    const stdin = stdinOf('m0-new-kez\u007fy\r\r', { tty: true });
    try {
      const run = await cli(['secrets', ...aws, '--set', 'mem0', 'hmac'], { stdin });
      expect(run.code).toBe(0);
      expect(secrets.get(SECRET_NAMES.mem0)).toBe('m0-new-key');
      expect(secrets.get(SECRET_NAMES.hmac)).toBe(TEST_WEBHOOK_SECRET);
      expect(run.stdout).not.toContain('m0-new-ke');
      expect(run.stdout).toContain('ElevenLabs webhook HMAC key: unchanged');
      expect(stdin.rawModes).toEqual([true, false, true, false]);
    } finally {
      secrets.set(SECRET_NAMES.mem0, bed.mem0.apiKey);
    }
  });

  it('refuses a secret the stack does not have (recording downloads off): usage (2)', async () => {
    const run = await cli(['secrets', ...aws, '--set', 'elevenlabs']);
    expect(run.code).toBe(2);
  });
});

describe('smoke on AWS', () => {
  it('passes every step through the endpoints, ingesting as SQS would, and erases the test caller', async () => {
    const pump = setInterval(() => void bed.drainIngest(), 50);
    try {
      const run = await cli(['smoke', ...aws, '--timeout', '20']);
      expect(run.stderr).toBe('');
      expect(run.stdout).toContain('All steps passed.');
      expect(run.code).toBe(0);
      const passed = run.stdout.split('\n').filter((line) => line.startsWith('✓ '));
      expect(passed).toHaveLength(10);
      expect(run.stdout).toMatch(/^✓ search with X-Memory-Token: "peanut allergy" finds the fact /m);
      expect(run.stdout).toMatch(/^✓ search: a tampered memory token is refused /m);
    } finally {
      clearInterval(pump);
    }
  });
});

describe('clear errors', () => {
  it('a stack that does not exist: not found (3)', async () => {
    const run = await cli(['status', '--stack', 'NoSuchStack', '--region', 'us-east-1']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('no stack named NoSuchStack');
  });

  it('no AWS credentials: no access (4)', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'no-aws-'));
    const saved = { ...process.env };
    try {
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
        delete process.env[name];
      Object.assign(process.env, {
        HOME: home,
        AWS_CONFIG_FILE: path.join(home, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
      });
      const run = await cli(['status', ...aws]);
      expect(run.code).toBe(4);
      expect(run.stderr).toContain('no AWS credentials found');
    } finally {
      process.env = saved;
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('credentials AWS refuses: no access (4)', async () => {
    plane.refuseWith = {
      status: 403,
      code: 'ExpiredToken',
      message: 'The security token included in the request is expired',
    };
    try {
      const run = await cli(['status', ...aws]);
      expect(run.code).toBe(4);
      expect(run.stderr).toContain('AWS refused the request (ExpiredToken)');
    } finally {
      plane.refuseWith = undefined;
    }
  });

  it('no deployment named: usage (2)', async () => {
    expect((await cli(['status'])).code).toBe(2);
    expect((await cli(['status', '--stack', STACK, '--local'])).code).toBe(2);
  });
});
