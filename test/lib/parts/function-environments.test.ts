import { Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { MemoryBackend, type AgenticMemoryProps } from '../../../lib/agentic-memory-props';
import { ENV } from '../../../lib/contract';
import { ArchiveBucket } from '../../../lib/parts/archive-bucket';
import {
  functionEnvironments,
  requireEnvironmentsWithinLimit,
  type Environment,
} from '../../../lib/parts/function-environments';
import { createMemoryFunction } from '../../../lib/parts/memory-functions';
import { MemorySecrets } from '../../../lib/parts/memory-secrets';
import { flatten, logicalId } from '../cdk-test-app';
import { memoryStoreOf, partHost } from './part-host';

/** The environments for these props, with references flattened (`<SecretLogicalId>`). */
function environmentsOf(props: AgenticMemoryProps = {}, scopeMap?: string) {
  const { stack, scope } = partHost();
  const archive = new ArchiveBucket(scope, {});
  const secrets = new MemorySecrets(scope, props);
  const table = new dynamodb.Table(scope, 'Table', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
  });
  const { store, agentCore } = memoryStoreOf(scope, props, secrets);
  const environments = functionEnvironments(props, {
    archiveBucket: archive.bucket,
    secrets,
    scopeMap,
    memoryStore: store,
  });
  const flat = (environment: Environment) =>
    Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, flatten(stack.resolve(value))]));
  const ref = (construct: Parameters<typeof logicalId>[0]) => `<${logicalId(construct)}>`;
  return {
    clientData: flat(environments.clientData),
    retrieve: flat(environments.retrieve),
    postCall: flat(environments.postCall),
    ingest: flat(environments.ingest(table)),
    retention: flat(environments.retention),
    refs: {
      archive: ref(archive.bucket),
      table: ref(table),
      memoryId: agentCore?.resource ? `<${logicalId(agentCore.resource)}.MemoryId>` : undefined,
      secrets,
      ref,
    },
  };
}

describe('defaults', () => {
  const env = environmentsOf();
  const { refs } = env;

  test('pre-call: the archive, its three keys, token lifetime, scope, deadline, both overrides on', () => {
    expect(env.clientData).toEqual({
      [ENV.secretsMaxAgeSeconds]: '300',
      [ENV.mem0ApiKeySecretId]: refs.ref(refs.secrets.mem0ApiKey!),
      [ENV.archiveBucket]: refs.archive,
      [ENV.workspaceKeySecretId]: refs.ref(refs.secrets.workspaceKey),
      [ENV.memoryTokenKeySecretId]: refs.ref(refs.secrets.memoryTokenKey),
      [ENV.memoryTokenTtlSeconds]: '7200',
      [ENV.memoryScope]: 'deployment',
      [ENV.memoryDeadlineMs]: '1500',
      [ENV.overridePrompt]: 'true',
      [ENV.overrideFirstMessage]: 'true',
    });
  });

  test('in-call: token or key, so both keys; no archive', () => {
    expect(env.retrieve).toEqual({
      [ENV.secretsMaxAgeSeconds]: '300',
      [ENV.mem0ApiKeySecretId]: refs.ref(refs.secrets.mem0ApiKey!),
      [ENV.retrieveAuth]: 'token-or-key',
      [ENV.memoryTokenKeySecretId]: refs.ref(refs.secrets.memoryTokenKey),
      [ENV.retrieveApiKeySecretId]: refs.ref(refs.secrets.retrieveApiKey),
      [ENV.memoryScope]: 'deployment',
      [ENV.memoryDeadlineMs]: '1500',
      [ENV.searchDefaultLimit]: '10',
    });
  });

  test('post-call: the archive and the HMAC key; nothing about memory', () => {
    expect(env.postCall).toEqual({
      [ENV.secretsMaxAgeSeconds]: '300',
      [ENV.archiveBucket]: refs.archive,
      [ENV.hmacKeySecretId]: refs.ref(refs.secrets.hmacKey),
    });
  });

  test('ingest: the idempotency table it is given, the write deadline; no ElevenLabs key without recordings', () => {
    expect(env.ingest).toEqual({
      [ENV.secretsMaxAgeSeconds]: '300',
      [ENV.mem0ApiKeySecretId]: refs.ref(refs.secrets.mem0ApiKey!),
      [ENV.archiveBucket]: refs.archive,
      [ENV.memoryScope]: 'deployment',
      [ENV.idempotencyTable]: refs.table,
      [ENV.memoryWriteDeadlineMs]: '10000',
    });
  });
});

test('every prop that reaches a handler reaches only the handlers that read it', () => {
  const env = environmentsOf(
    {
      secretsCacheTtl: Duration.minutes(1),
      mem0Host: 'https://mem0.example.com',
      memoryDeadline: Duration.millis(800),
      memoryWriteDeadline: Duration.seconds(30),
      memoryTokenTtl: Duration.hours(1),
      searchLimit: 7,
      overridePrompt: false,
      overrideFirstMessage: false,
      basePromptTemplate: 'Be kind. {{memory_context}}',
      newCallerGreeting: 'Hello!',
      allowedSourceIps: ['10.0.0.0/8', '192.0.2.1'],
      memoryScope: 'agent',
      downloadRecordings: true,
      elevenLabsApiHost: 'https://api.eu.residency.elevenlabs.io',
      memoryMaxAge: Duration.days(90),
    },
    '{"a":["agent_1"]}',
  );
  for (const environment of [env.clientData, env.retrieve, env.postCall, env.ingest, env.retention]) {
    expect(environment[ENV.secretsMaxAgeSeconds]).toBe('60');
  }
  for (const environment of [env.clientData, env.retrieve, env.ingest, env.retention]) {
    expect(environment[ENV.mem0Host]).toBe('https://mem0.example.com');
  }
  for (const environment of [env.clientData, env.retrieve, env.ingest]) {
    expect(environment).toMatchObject({ [ENV.memoryScope]: 'agent', [ENV.memoryScopeMap]: '{"a":["agent_1"]}' });
  }
  expect(env.clientData).toMatchObject({
    [ENV.memoryDeadlineMs]: '800',
    [ENV.memoryTokenTtlSeconds]: '3600',
    [ENV.overridePrompt]: 'false',
    [ENV.overrideFirstMessage]: 'false',
    [ENV.basePromptTemplate]: 'Be kind. {{memory_context}}',
    [ENV.newCallerGreeting]: 'Hello!',
    [ENV.allowedSourceIps]: '10.0.0.0/8,192.0.2.1',
  });
  expect(env.retrieve).toMatchObject({ [ENV.memoryDeadlineMs]: '800', [ENV.searchDefaultLimit]: '7' });
  expect(env.postCall[ENV.allowedSourceIps]).toBe('10.0.0.0/8,192.0.2.1');
  expect(env.ingest).toMatchObject({
    [ENV.memoryWriteDeadlineMs]: '30000',
    [ENV.elevenLabsApiKeySecretId]: env.refs.ref(env.refs.secrets.elevenLabsApiKey!),
    [ENV.elevenLabsApiHost]: 'https://api.eu.residency.elevenlabs.io',
  });
  expect(env.retention[ENV.memoryMaxAgeDays]).toBe('90');
  // The allow list is for the two webhooks; the search tool and the worker never see it.
  expect(env.retrieve[ENV.allowedSourceIps]).toBeUndefined();
  expect(env.ingest[ENV.allowedSourceIps]).toBeUndefined();
  expect(env.postCall[ENV.mem0Host]).toBeUndefined();
});

test.each([
  ['token', true, false, false],
  ['token-or-key', true, true, false],
  ['key', false, true, true],
] as const)(
  'retrieveAuth %s: the in-call function is told only the keys that mode checks',
  (mode, token, key, flag) => {
    const env = environmentsOf({ retrieveAuth: mode });
    expect(env.retrieve[ENV.retrieveAuth]).toBe(mode);
    expect(ENV.memoryTokenKeySecretId in env.retrieve).toBe(token);
    expect(ENV.retrieveApiKeySecretId in env.retrieve).toBe(key);
    expect(env.retrieve[ENV.retrieveRequireApiKey]).toBe(flag ? 'true' : undefined);
  },
);

test('an ElevenLabs host without recording downloads is not passed on (nothing would read it)', () => {
  expect(environmentsOf({ elevenLabsApiHost: 'https://x.example' }).ingest[ENV.elevenLabsApiHost]).toBeUndefined();
});

describe('AgentCore backend', () => {
  const env = environmentsOf({ memory: MemoryBackend.agentCore() });
  const memoryStoreFunctions = {
    clientData: env.clientData,
    retrieve: env.retrieve,
    ingest: env.ingest,
    retention: env.retention,
  };

  test('the four functions that keep memories are told the backend and the memory id, and nothing of Mem0', () => {
    for (const [name, environment] of Object.entries(memoryStoreFunctions)) {
      expect({ name, backend: environment[ENV.memoryBackend], memoryId: environment[ENV.agentCoreMemoryId] }).toEqual({
        name,
        backend: 'agentcore',
        memoryId: env.refs.memoryId,
      });
      expect({ name, mem0: Object.keys(environment).filter((variable) => variable.startsWith('MEM0_')) }).toEqual({
        name,
        mem0: [],
      });
      // The endpoint override is for the local stack and tests only.
      expect(environment[ENV.agentCoreEndpoint]).toBeUndefined();
    }
    expect(env.postCall).toEqual(environmentsOf().postCall);
  });

  test('an existing memory: its id as given', () => {
    const existing = environmentsOf({
      memory: MemoryBackend.agentCore({ existingMemoryId: 'Kept_Memory-a1b2c3d4e5' }),
    });
    for (const environment of [existing.clientData, existing.retrieve, existing.ingest, existing.retention]) {
      expect(environment[ENV.agentCoreMemoryId]).toBe('Kept_Memory-a1b2c3d4e5');
    }
  });

  test('the rest of each environment is the same as with Mem0', () => {
    const mem0 = environmentsOf();
    const withoutMemoryStore = (environment: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(environment).filter(
          ([name]) =>
            ![ENV.memoryBackend, ENV.agentCoreMemoryId, ENV.mem0ApiKeySecretId, ENV.mem0Host].includes(
              name as typeof ENV.memoryBackend,
            ),
        ),
      );
    for (const name of ['clientData', 'retrieve', 'ingest', 'retention'] as const) {
      expect(withoutMemoryStore(env[name])).toEqual(withoutMemoryStore(mem0[name]));
    }
  });
});

test('MemoryBackend.mem0({ host }) is told as MEM0_HOST, as mem0Host is', () => {
  const env = environmentsOf({ memory: MemoryBackend.mem0({ host: 'https://mem0.eu.example' }) });
  for (const environment of [env.clientData, env.retrieve, env.ingest, env.retention]) {
    expect(environment[ENV.mem0Host]).toBe('https://mem0.eu.example');
    expect(environment[ENV.memoryBackend]).toBeUndefined();
  }
});

describe("Lambda's 4 KB limit", () => {
  function functionWith(stack: Stack, environment: Environment) {
    return createMemoryFunction(stack, 'ClientDataFunction', 'clientData', {}, { environment });
  }

  test('an environment within the limit passes', () => {
    const { stack } = partHost();
    expect(() =>
      requireEnvironmentsWithinLimit([functionWith(stack, { SOME: 'x'.repeat(2000) })], {}, undefined),
    ).not.toThrow();
  });

  test('one over it is refused, naming the function and the props that put the most text in it', () => {
    const { stack } = partHost();
    const basePromptTemplate = `${'x'.repeat(4100)}{{memory_context}}`;
    const scopeMap = JSON.stringify({ a: ['agent_1'] });
    const fn = functionWith(stack, { PROMPT: basePromptTemplate, MAP: scopeMap });
    expect(() =>
      requireEnvironmentsWithinLimit([fn], { basePromptTemplate, newCallerGreeting: 'Hi' }, scopeMap),
    ).toThrow(
      /^AgenticMemory: the client-data function's environment would take about \d+ bytes, over Lambda's 4096-byte limit \(basePromptTemplate 4118 bytes, memoryScopeMap 17 bytes, newCallerGreeting 2 bytes\); shorten the largest of these\.$/,
    );
  });
});
