import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { expireMemories } from '../../../lambdas/retention/expire-memories';
import { readCallerMemory } from '../../../lambdas/shared/context/read-caller-memory';
import type { CallerId } from '../../../lambdas/shared/caller';
import { createAgentCoreClient } from '../../../lambdas/shared/memory/agentcore-client';
import { AGENTCORE_STRATEGIES } from '../../../lambdas/shared/memory/agentcore-ids';
import { AgentCoreMemoryStore } from '../../../lambdas/shared/memory/agentcore-store';
import { MemoryBackend, type AgenticMemoryProps } from '../../../lib/agentic-memory-props';
import type { FunctionServiceName, RetrieveAuth } from '../../../lib/contract';
import { MemoryFunction } from '../../../lib/memory-function';
import { ArchiveBucket } from '../../../lib/parts/archive-bucket';
import {
  AGENTCORE_ACTIONS,
  grantInCall,
  grantIngestWorker,
  grantPostCall,
  grantPreCall,
  grantRetention,
  type MemoryStoreTarget,
} from '../../../lib/parts/least-privilege';
import { MemorySecrets } from '../../../lib/parts/memory-secrets';
import { startAgentCoreServer, type AgentCoreLoopbackServer } from '../../support/agentcore-server';
import { logicalId, permissionsOf } from '../cdk-test-app';
import { memoryStoreOf, partHost } from './part-host';

/** A function, the real secrets, archive and memory store, and what the function may do once `grant` has run. */
function granted<S extends FunctionServiceName>(
  serviceName: S,
  grant: (fn: MemoryFunction<S>, secrets: MemorySecrets, archive: ArchiveBucket, store: MemoryStoreTarget) => void,
  props: AgenticMemoryProps = {},
) {
  const { stack, scope } = partHost();
  const archive = new ArchiveBucket(scope, {});
  const secrets = new MemorySecrets(scope, props);
  const { store, agentCore } = memoryStoreOf(scope, props, secrets);
  const fn = functionIn(scope, serviceName);
  grant(fn, secrets, archive, store);
  const template = Template.fromStack(stack);
  const permissions = permissionsOf(template, logicalId(fn.executionRole)).filter(
    (permission) => !permission.startsWith('logs:') && !permission.startsWith('xray:'),
  );
  const bucket = `<${logicalId(archive.bucket)}.Arn>`;
  const read = (secret: secretsmanager.ISecret | undefined) => [
    `secretsmanager:DescribeSecret on <${logicalId(secret!)}>`,
    `secretsmanager:GetSecretValue on <${logicalId(secret!)}>`,
  ];
  const memoryArn = agentCore?.resource ? `<${logicalId(agentCore.resource)}.MemoryArn>` : undefined;
  const onMemory = (...actions: string[]) => actions.map((action) => `bedrock-agentcore:${action} on ${memoryArn}`);
  return { permissions, secrets, bucket, read, onMemory, template, fn };
}

function functionIn<S extends FunctionServiceName>(scope: Construct, serviceName: S): MemoryFunction<S> {
  return new MemoryFunction<S>(scope, 'Function', {
    serviceName,
    description: 'test',
    memorySize: 128,
    timeout: Duration.seconds(3),
  });
}

test('pre-call: the workspace, memory token and Mem0 keys; writes client-data/ only', () => {
  const { permissions, secrets, bucket, read } = granted('client-data', grantPreCall);
  expect(permissions).toEqual(
    [
      ...read(secrets.workspaceKey),
      ...read(secrets.memoryTokenKey),
      ...read(secrets.mem0ApiKey),
      `s3:PutObject on ${bucket}/client-data/*`,
    ].sort(),
  );
});

test.each([
  ['token', ['memoryTokenKey', 'mem0ApiKey']],
  ['token-or-key', ['memoryTokenKey', 'retrieveApiKey', 'mem0ApiKey']],
  ['key', ['retrieveApiKey', 'mem0ApiKey']],
] as const)('in-call, retrieveAuth %s: only the keys that mode checks, and Mem0’s; no archive', (mode, keys) => {
  const { permissions, secrets, read } = granted('retrieve', (fn, s, _a, store) =>
    grantInCall(fn, s, mode as RetrieveAuth, store),
  );
  expect(permissions).toEqual(keys.flatMap((key) => read(secrets[key])).sort());
});

test('post-call: the HMAC key; writes post-call/raw/ and post-call/audio/; no Mem0', () => {
  const { permissions, secrets, bucket, read } = granted('post-call', grantPostCall);
  expect(permissions).toEqual(
    [
      ...read(secrets.hmacKey),
      `s3:PutObject on ${bucket}/post-call/audio/*`,
      `s3:PutObject on ${bucket}/post-call/raw/*`,
    ].sort(),
  );
});

test('ingest worker: the Mem0 key, reads post-call/raw/, writes post-call/', () => {
  const { permissions, secrets, bucket, read } = granted('ingest', grantIngestWorker);
  expect(permissions).toEqual(
    [
      ...read(secrets.mem0ApiKey),
      `s3:GetObject on ${bucket}/post-call/raw/*`,
      `s3:PutObject on ${bucket}/post-call/*`,
    ].sort(),
  );
});

test('ingest worker with recording downloads: also the ElevenLabs key, and the recordings (write, look up, abort)', () => {
  const { permissions, secrets, bucket, read } = granted('ingest', grantIngestWorker, { downloadRecordings: true });
  expect(permissions).toEqual(
    [
      ...read(secrets.mem0ApiKey),
      ...read(secrets.elevenLabsApiKey!),
      `s3:GetObject on ${bucket}/post-call/raw/*`,
      `s3:PutObject on ${bucket}/post-call/*`,
      `s3:PutObject on ${bucket}/post-call/audio/*`,
      `s3:GetObject on ${bucket}/post-call/audio/*`,
      `s3:AbortMultipartUpload on ${bucket}/post-call/audio/*`,
    ].sort(),
  );
});

test('retention job: the Mem0 key only', () => {
  const { permissions, secrets, read } = granted('retention', (fn, _s, _a, store) => grantRetention(fn, store));
  expect(permissions).toEqual(read(secrets.mem0ApiKey).sort());
});

describe('AgentCore backend: each function may send only the AgentCore requests its handler makes, to the one memory', () => {
  const agentCore: AgenticMemoryProps = { memory: MemoryBackend.agentCore() };

  test('pre-call: lists records, sessions and events; no Mem0 key', () => {
    const { permissions, secrets, bucket, read, onMemory } = granted('client-data', grantPreCall, agentCore);
    expect(permissions).toEqual(
      [
        ...read(secrets.workspaceKey),
        ...read(secrets.memoryTokenKey),
        ...onMemory('ListMemoryRecords', 'ListSessions', 'ListEvents'),
        `s3:PutObject on ${bucket}/client-data/*`,
      ].sort(),
    );
  });

  test('in-call: retrieves records by relevance, nothing else', () => {
    const { permissions, secrets, read, onMemory } = granted(
      'retrieve',
      (fn, s, _archive, store) => grantInCall(fn, s, 'token-or-key', store),
      agentCore,
    );
    expect(permissions).toEqual(
      [...read(secrets.memoryTokenKey), ...read(secrets.retrieveApiKey), ...onMemory('RetrieveMemoryRecords')].sort(),
    );
  });

  test('ingest worker: writes events and records, lists both to write nothing twice', () => {
    const { permissions, bucket, onMemory } = granted('ingest', grantIngestWorker, agentCore);
    expect(permissions).toEqual(
      [
        ...onMemory('CreateEvent', 'ListEvents', 'BatchCreateMemoryRecords', 'ListMemoryRecords'),
        `s3:GetObject on ${bucket}/post-call/raw/*`,
        `s3:PutObject on ${bucket}/post-call/*`,
      ].sort(),
    );
  });

  test('retention job: lists actors, records, sessions and events, reads and deletes records, deletes events; never BatchDelete', () => {
    const { permissions, onMemory } = granted('retention', (fn, _s, _a, store) => grantRetention(fn, store), agentCore);
    expect(permissions).toEqual(
      onMemory(
        'ListActors',
        'ListMemoryRecords',
        'ListSessions',
        'ListEvents',
        'GetMemoryRecord',
        'DeleteMemoryRecord',
        'DeleteEvent',
      ).sort(),
    );
  });

  test('post-call: nothing of AgentCore, as with Mem0', () => {
    const { permissions } = granted('post-call', grantPostCall, agentCore);
    expect(permissions.filter((permission) => permission.startsWith('bedrock-agentcore:'))).toEqual([]);
  });

  test('an existing memory: the same actions on its ARN in the stack’s partition, region and account', () => {
    const { stack, scope } = partHost();
    const secrets = new MemorySecrets(scope, {});
    const { store } = memoryStoreOf(
      scope,
      { memory: MemoryBackend.agentCore({ existingMemoryId: 'Kept_Memory-a1b2c3d4e5' }) },
      secrets,
    );
    const fn = functionIn(scope, 'retrieve');
    grantInCall(fn, secrets, 'token', store);
    expect(
      permissionsOf(Template.fromStack(stack), logicalId(fn.executionRole)).filter((p) =>
        p.startsWith('bedrock-agentcore:'),
      ),
    ).toEqual([
      'bedrock-agentcore:RetrieveMemoryRecords on arn:<AWS::Partition>:bedrock-agentcore:<AWS::Region>:<AWS::AccountId>:memory/Kept_Memory-a1b2c3d4e5',
    ]);
  });

  describe('with a customer managed key', () => {
    /** The KMS statements of a function's role, with their conditions. */
    function keyStatements(which: 'client-data' | 'retrieve' | 'ingest' | 'retention') {
      const { stack, scope } = partHost();
      const key = new kms.Key(stack, 'MemoryKey');
      const props = { memory: MemoryBackend.agentCore({ encryptionKey: key }) };
      const archive = new ArchiveBucket(scope, {});
      const secrets = new MemorySecrets(scope, props);
      const { store } = memoryStoreOf(scope, props, secrets);
      const fn = functionIn(scope, which);
      const grants = {
        'client-data': () => grantPreCall(fn as MemoryFunction, secrets, archive, store),
        retrieve: () => grantInCall(fn as MemoryFunction, secrets, 'token', store),
        ingest: () => grantIngestWorker(fn as MemoryFunction, secrets, archive, store),
        retention: () => grantRetention(fn as MemoryFunction<'retention'>, store),
      };
      grants[which]();
      const role = logicalId(fn.executionRole);
      const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
        .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(role))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[])
        .filter((statement) => JSON.stringify(statement.Action).includes('kms:'));
      return { statements, keyArn: { 'Fn::GetAtt': [logicalId(key), 'Arn'] } };
    }

    const throughAgentCore = {
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['bedrock-agentcore.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
      },
    };

    test.each([
      ['client-data', 'kms:Decrypt'],
      ['retrieve', 'kms:Decrypt'],
      ['retention', 'kms:Decrypt'],
      ['ingest', ['kms:Decrypt', 'kms:GenerateDataKey']],
    ] as const)('%s: %j on that key, only through AgentCore in the stack’s region', (which, actions) => {
      const { statements, keyArn } = keyStatements(which);
      expect(statements).toEqual([{ Effect: 'Allow', Action: actions, Resource: keyArn, Condition: throughAgentCore }]);
    });

    test('no key given: no KMS permission at all', () => {
      const { permissions } = granted('ingest', grantIngestWorker, { memory: MemoryBackend.agentCore() });
      expect(permissions.filter((permission) => permission.startsWith('kms:'))).toEqual([]);
    });
  });
});

/**
 * The IAM actions above are read off the AgentCore store; this runs the store methods each
 * function's handler calls, against the loopback AgentCore server, and compares the requests the
 * server saw with what the function is allowed: none missing (the call would fail with
 * AccessDenied in AWS), none to spare.
 */
describe('the granted actions are the requests the handlers’ memory-store calls send', () => {
  let server: AgentCoreLoopbackServer;
  let store: AgentCoreMemoryStore;
  const caller = '+14155550123' as CallerId;
  const at = new Date(Date.UTC(2026, 10, 20, 10));
  const metadata = { conversation_id: 'conv_leastprivilege', agent_id: 'agent_1', timestamp: at.toISOString() };

  beforeAll(async () => {
    server = await startAgentCoreServer({
      strategies: AGENTCORE_STRATEGIES.map((strategy) => ({
        strategyId: `${strategy.name}-0123456789`,
        type: strategy.type,
        namespace: strategy.namespaces[0],
      })),
    });
    store = new AgentCoreMemoryStore({
      client: createAgentCoreClient({
        endpoint: server.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDLOOPBACK', secretAccessKey: 'loopback-secret' },
      }),
      memoryId: server.memoryId,
    });
  });
  afterAll(() => server.close());

  /** The operations `work` sent, in the order first seen. */
  async function operationsOf(work: () => Promise<unknown>): Promise<string[]> {
    server.requests.length = 0;
    await work();
    return [...new Set(server.requests.map((request) => request.operation))];
  }

  // In order: ingest writes the call, pre-call and search read it, retention erases it.
  test('ingest (lambdas/ingest/ingest-archived-payload.ts): add a transcript and a summary, then the redelivery check', async () => {
    const sent = await operationsOf(async () => {
      await store.add(caller, {
        kind: 'conversation',
        turns: [
          { role: 'assistant', content: 'Hello, how can I help?' },
          { role: 'user', content: 'I prefer morning appointments, my dog is called Biscuit.' },
        ],
        metadata: { ...metadata, type: 'semantic' },
      });
      await store.add(caller, {
        kind: 'text',
        text: 'Booked a morning appointment.',
        metadata: { ...metadata, type: 'factual' },
      });
      await store.list(caller, { type: 'factual', limit: 1, conversationId: metadata.conversation_id });
    });
    await server.settle();
    expect(sent.sort()).toEqual([...AGENTCORE_ACTIONS.ingest].sort());
  });

  test('pre-call (lambdas/shared/context/read-caller-memory.ts): the three lists', async () => {
    const sent = await operationsOf(() =>
      readCallerMemory(store, caller, { maxFacts: 10, maxHighlights: 5, deadlineMs: 5000 }),
    );
    expect(sent.sort()).toEqual([...AGENTCORE_ACTIONS.clientData].sort());
  });

  test('in-call (lambdas/retrieve/handler.ts): search', async () => {
    const sent = await operationsOf(() => store.search(caller, 'morning appointments', { limit: 5 }));
    expect(sent).toEqual([...AGENTCORE_ACTIONS.retrieve]);
  });

  test('retention (lambdas/retention/expire-memories.ts): every memory past its age erased', async () => {
    let report: Awaited<ReturnType<typeof expireMemories>> | undefined;
    const sent = await operationsOf(async () => {
      report = await expireMemories(store, { maxAgeDays: 1, now: new Date(Date.now() + 30 * 24 * 3600 * 1000) });
    });
    expect(report).toMatchObject({ callersFailed: 0, complete: true });
    expect(report!.memoriesErased).toBeGreaterThan(1);
    expect(server.events).toEqual([]);
    expect(server.recordsUnder('/agentic-memory/')).toEqual([]);
    expect(sent.sort()).toEqual([...AGENTCORE_ACTIONS.retention].sort());
  });
});
