/**
 * lib/ and lambdas/ never import each other, so each keeps its own copy of what they share:
 * environment variable names, metric names and namespace, archive prefixes, defaults. This file
 * imports both copies and proves they agree, and that the environment the construct writes is
 * one the handlers accept.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lib from '../../lib/contract';
import { AgenticMemory, MemoryBackend, type AgenticMemoryProps } from '../../lib';
import { ENV } from '../../lambdas/shared/config/env-names';
import {
  DEFAULT_MEMORY_DEADLINE_MS,
  MEMORY_CONTEXT_PLACEHOLDER,
  RETRIEVE_AUTH_MODES,
  clientDataSettings,
  ingestSettings,
  retentionSettings,
  retrieveSettings,
} from '../../lambdas/shared/config/settings';
import { MEMORY_SCOPE_MODES, parseScopeMap } from '../../lambdas/shared/caller/memory-identity';
import { MEMORY_BACKENDS, memoryBackendOf } from '../../lambdas/shared/config/memory-backend';
import { agentCoreFromEnvironment } from '../../lambdas/shared/aws/agentcore-from-environment';
import { AGENTCORE_NAMESPACE_TEMPLATES, AGENTCORE_STRATEGIES } from '../../lambdas/shared/memory/agentcore-ids';
import { DEFAULT_MEMORY_TOKEN_TTL_SECONDS } from '../../lambdas/shared/caller/memory-token';
import { METRIC, METRICS_NAMESPACE, createPowertools } from '../../lambdas/shared/powertools';
import {
  AUDIO_PREFIX,
  CLIENT_DATA_PREFIX,
  RAW_POST_CALL_PREFIX,
  audioKey,
  callerTranscriptKey,
  clientDataKey,
  rawPostCallKey,
} from '../../lambdas/shared/archive/archive-keys';
import { REPO_ROOT, bareStack, logicalId } from './cdk-test-app';

describe('names', () => {
  test('environment variable names', () => {
    expect(lib.ENV).toEqual(ENV);
  });

  test('metric namespace and names', () => {
    expect(lib.METRICS_NAMESPACE).toBe(METRICS_NAMESPACE);
    expect(lib.METRIC).toEqual(METRIC);
  });

  test('Powertools puts every metric in the namespace under the `service` dimension', () => {
    const { metrics } = createPowertools(lib.SERVICE.retrieve);
    metrics.addMetric(METRIC.memoriesReturned, 'Count', 1);
    const emf = metrics.serializeMetrics() as unknown as {
      _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] };
      [key: string]: unknown;
    };
    expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: lib.METRICS_NAMESPACE,
      Dimensions: [[lib.SERVICE_DIMENSION]],
    });
    expect(emf[lib.SERVICE_DIMENSION]).toBe('retrieve');
  });

  test.each([...Object.values(lib.SERVICE), ...Object.values(lib.SCHEDULED_SERVICE)])(
    'lambdas/%s: its entries export handler, and the function reports as that service',
    (service) => {
      const folder = path.join(REPO_ROOT, 'lambdas', service);
      const read = (file: string) => fs.readFileSync(path.join(folder, file), 'utf8');
      const entries = ['index.ts', 'index-agentcore.ts'].filter((file) => fs.existsSync(path.join(folder, file)));
      expect(entries[0]).toBe('index.ts');
      // The Powertools service is named where the function is built: the wiring both of its
      // entries share (one per memory backend), or its only entry.
      const builder = fs.existsSync(path.join(folder, 'wiring.ts')) ? 'wiring.ts' : 'index.ts';
      expect(read(builder)).toContain(`createPowertools('${service}')`);
      for (const entry of entries) {
        expect(read(entry)).toMatch(/export const handler\b/);
        if (builder === 'wiring.ts') expect(read(entry)).toMatch(/from '\.\/wiring'/);
      }
    },
  );
});

describe('AgentCore: what the construct creates is what the adapter reads', () => {
  test('the memory backends are the ones MEMORY_BACKEND accepts', () => {
    expect([...lib.MEMORY_BACKENDS]).toEqual([...MEMORY_BACKENDS]);
  });

  test('the namespace templates are the adapter’s', () => {
    expect(lib.AGENTCORE_NAMESPACE_TEMPLATES).toEqual(AGENTCORE_NAMESPACE_TEMPLATES);
  });

  test('the strategies (type, CloudFormation property, name, description, namespaces) are the adapter’s', () => {
    expect(lib.AGENTCORE_STRATEGIES).toEqual(AGENTCORE_STRATEGIES);
  });
});

describe('archive prefixes: what the handlers write is what the construct grants', () => {
  const at = new Date('2026-11-21T10:20:30.456Z');

  test('the prefixes are the same strings', () => {
    expect(lib.ARCHIVE_PREFIX.clientData).toBe(CLIENT_DATA_PREFIX);
    expect(lib.ARCHIVE_PREFIX.rawPostCall).toBe(RAW_POST_CALL_PREFIX);
    expect(lib.ARCHIVE_PREFIX.audio).toBe(AUDIO_PREFIX);
  });

  test('client-data keys fall under client-data/', () => {
    expect(clientDataKey('+14155550100', 'CA123', at).startsWith(lib.ARCHIVE_PREFIX.clientData)).toBe(true);
  });

  test('raw post-call keys fall under post-call/raw/ and end in .json (they trigger ingestion)', () => {
    const key = rawPostCallKey('post_call_transcription', 'conv_1', Buffer.from('{}'), at);
    expect(key.startsWith(lib.ARCHIVE_PREFIX.rawPostCall)).toBe(true);
    expect(key.endsWith(lib.RAW_POST_CALL_SUFFIX)).toBe(true);
  });

  test('audio falls under post-call/audio/ and never triggers ingestion', () => {
    const key = audioKey('conv_1');
    expect(key.startsWith(lib.ARCHIVE_PREFIX.audio)).toBe(true);
    expect(key.startsWith(lib.ARCHIVE_PREFIX.rawPostCall)).toBe(false);
  });

  test('the per-caller copies ingest writes fall under post-call/ and never trigger ingestion', () => {
    const key = callerTranscriptKey('+14155550100', 'conv_1');
    expect(key.startsWith(lib.ARCHIVE_PREFIX.postCall)).toBe(true);
    expect(key.startsWith(lib.ARCHIVE_PREFIX.rawPostCall)).toBe(false);
  });
});

describe('defaults and bounds', () => {
  test('the defaults the construct writes are the handlers’ defaults', () => {
    expect(lib.HANDLER_DEFAULTS.memoryDeadlineMs).toBe(DEFAULT_MEMORY_DEADLINE_MS);
    expect(lib.HANDLER_DEFAULTS.memoryContextPlaceholder).toBe(MEMORY_CONTEXT_PLACEHOLDER);
    expect(retrieveSettings({}).defaultLimit).toBe(lib.HANDLER_DEFAULTS.searchDefaultLimit);
    expect(ingestSettings({}).memoryWriteDeadlineMs).toBe(lib.HANDLER_DEFAULTS.memoryWriteDeadlineMs);
    expect(ingestSettings({}).recordingDeadlineMs).toBe(lib.HANDLER_DEFAULTS.recordingDeadlineMs);
    expect(DEFAULT_MEMORY_TOKEN_TTL_SECONDS).toBe(lib.HANDLER_DEFAULTS.memoryTokenTtlSeconds);
    expect(clientDataSettings({}).memoryTokenTtlSeconds).toBe(lib.HANDLER_DEFAULTS.memoryTokenTtlSeconds);
    expect(retrieveSettings({}).retrieveAuth).toBe(lib.HANDLER_DEFAULTS.retrieveAuth);
    expect(ingestSettings({}).memoryScope.mode).toBe(lib.HANDLER_DEFAULTS.memoryScope);
    expect(clientDataSettings({}).memoryScope.mode).toBe(lib.HANDLER_DEFAULTS.memoryScope);
  });

  test('the modes the construct offers are the modes the handlers accept', () => {
    expect([...lib.RETRIEVE_AUTH_MODES]).toEqual([...RETRIEVE_AUTH_MODES]);
    expect([...lib.MEMORY_SCOPE_MODES]).toEqual([...MEMORY_SCOPE_MODES]);
  });

  test.each([
    ['the shortest name', 'a', true],
    ['the longest name', 'a'.repeat(128), true],
    ['an ElevenLabs agent id', 'agent_01jxk3h7z9f8e2d1c0b9a8v7w6', true],
    ['letters, digits, _ and -', 'Clinic-A_2', true],
    ['one character too many', 'a'.repeat(129), false],
    ['a dot', 'clinic.a', false],
    ['a slash (the identity separator)', 'clinic/a', false],
    ['a space', 'clinic a', false],
    ['an empty name', '', false],
  ])('scope names and agent ids: %s is accepted by both or by neither', (_name, value, accepted) => {
    expect(lib.SCOPE_NAME_PATTERN.test(value)).toBe(accepted);
    expect(parseScopeMap(JSON.stringify({ [value]: ['agent_1'] })).ok).toBe(accepted);
    expect(parseScopeMap(JSON.stringify({ scope: [value] })).ok).toBe(accepted);
  });

  test('the bounds the construct checks are the handlers’ bounds', () => {
    const { memoryDeadlineMs, memoryWriteDeadlineMs, searchDefaultLimit, newCallerGreetingMaxChars } =
      lib.HANDLER_BOUNDS;
    const accepts = (parse: () => unknown) => expect(parse).not.toThrow();
    const rejects = (parse: () => unknown) => expect(parse).toThrow(/invalid configuration/);

    accepts(() => retrieveSettings({ [ENV.searchDefaultLimit]: String(searchDefaultLimit.min) }));
    accepts(() => retrieveSettings({ [ENV.searchDefaultLimit]: String(searchDefaultLimit.max) }));
    rejects(() => retrieveSettings({ [ENV.searchDefaultLimit]: String(searchDefaultLimit.min - 1) }));
    rejects(() => retrieveSettings({ [ENV.searchDefaultLimit]: String(searchDefaultLimit.max + 1) }));

    accepts(() => clientDataSettings({ [ENV.memoryDeadlineMs]: String(memoryDeadlineMs.min) }));
    accepts(() => clientDataSettings({ [ENV.memoryDeadlineMs]: String(memoryDeadlineMs.max) }));
    rejects(() => clientDataSettings({ [ENV.memoryDeadlineMs]: String(memoryDeadlineMs.min - 1) }));
    rejects(() => clientDataSettings({ [ENV.memoryDeadlineMs]: String(memoryDeadlineMs.max + 1) }));

    accepts(() => ingestSettings({ [ENV.memoryWriteDeadlineMs]: String(memoryWriteDeadlineMs.min) }));
    accepts(() => ingestSettings({ [ENV.memoryWriteDeadlineMs]: String(memoryWriteDeadlineMs.max) }));
    rejects(() => ingestSettings({ [ENV.memoryWriteDeadlineMs]: String(memoryWriteDeadlineMs.min - 1) }));
    rejects(() => ingestSettings({ [ENV.memoryWriteDeadlineMs]: String(memoryWriteDeadlineMs.max + 1) }));

    const { memoryMaxAgeDays } = lib.HANDLER_BOUNDS;
    accepts(() => retentionSettings({ [ENV.memoryMaxAgeDays]: String(memoryMaxAgeDays.min) }));
    accepts(() => retentionSettings({ [ENV.memoryMaxAgeDays]: String(memoryMaxAgeDays.max) }));
    rejects(() => retentionSettings({ [ENV.memoryMaxAgeDays]: String(memoryMaxAgeDays.min - 1) }));
    rejects(() => retentionSettings({ [ENV.memoryMaxAgeDays]: String(memoryMaxAgeDays.max + 1) }));

    accepts(() => clientDataSettings({ [ENV.newCallerGreeting]: 'x'.repeat(newCallerGreetingMaxChars) }));
    rejects(() => clientDataSettings({ [ENV.newCallerGreeting]: 'x'.repeat(newCallerGreetingMaxChars + 1) }));

    const { memoryTokenTtlSeconds } = lib.HANDLER_BOUNDS;
    accepts(() => clientDataSettings({ [ENV.memoryTokenTtlSeconds]: String(memoryTokenTtlSeconds.min) }));
    accepts(() => clientDataSettings({ [ENV.memoryTokenTtlSeconds]: String(memoryTokenTtlSeconds.max) }));
    rejects(() => clientDataSettings({ [ENV.memoryTokenTtlSeconds]: String(memoryTokenTtlSeconds.min - 1) }));
    rejects(() => clientDataSettings({ [ENV.memoryTokenTtlSeconds]: String(memoryTokenTtlSeconds.max + 1) }));
  });
});

describe('the environment the construct writes', () => {
  /** Each function's variables, CloudFormation references replaced by placeholder strings. */
  function environments(stack: Stack, memory: AgenticMemory): Record<string, Record<string, string>> {
    const resources = Template.fromStack(stack).toJSON().Resources;
    return Object.fromEntries(
      memory.functions().map((fn) => {
        const variables = resources[logicalId(fn)].Properties.Environment.Variables as Record<string, unknown>;
        return [
          fn.serviceName,
          Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : `ref-${k}`])),
        ];
      }),
    );
  }

  const runtimeVariables = new Set([
    'NODE_OPTIONS',
    'MEM0_TELEMETRY',
    'POWERTOOLS_SERVICE_NAME',
    'POWERTOOLS_METRICS_NAMESPACE',
    'POWERTOOLS_LOG_LEVEL',
  ]);
  const handlerVariables = new Set<string>(Object.values(ENV));

  test.each([
    ['the defaults', {}],
    [
      'every behaviour prop set',
      {
        mem0Host: 'https://mem0.example',
        searchLimit: 50,
        overridePrompt: false,
        overrideFirstMessage: false,
        basePromptTemplate: `Agent.\n${MEMORY_CONTEXT_PLACEHOLDER}`,
        newCallerGreeting: 'Hello!',
        retrieveAuth: 'key' as const,
        retrieveRequireApiKey: false,
      },
    ],
    [
      'tokens only, memory per agent scope',
      {
        retrieveAuth: 'token' as const,
        memoryTokenTtl: Duration.minutes(45),
        memoryScope: 'agent' as const,
        memoryScopeMap: { 'clinic-a': ['agent_1', 'agent_2'], 'clinic-b': ['agent_3'] },
      },
    ],
    ['memory per agent, without a map', { memoryScope: 'agent' as const }],
    [
      'every operations prop set',
      { downloadRecordings: true, elevenLabsApiHost: 'https://xi.example', memoryMaxAge: Duration.days(30) },
    ],
  ])('with %s: every variable is one the handlers read, and their settings parse', (_name, props) => {
    const stack = bareStack();
    const memory = new AgenticMemory(stack, 'Memory', props);
    const env = environments(stack, memory);
    if (memory.retentionFunction) {
      const variables = Template.fromStack(stack).toJSON().Resources[logicalId(memory.retentionFunction)].Properties
        .Environment.Variables as Record<string, unknown>;
      env.retention = Object.fromEntries(
        Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : `ref-${k}`]),
      );
      expect(() => retentionSettings(env.retention)).not.toThrow();
    }
    for (const variables of Object.values(env)) {
      for (const name of Object.keys(variables)) {
        expect({ name, known: runtimeVariables.has(name) || handlerVariables.has(name) }).toEqual({
          name,
          known: true,
        });
      }
    }
    expect(() => clientDataSettings(env['client-data'])).not.toThrow();
    expect(() => retrieveSettings(env.retrieve)).not.toThrow();
    expect(() => ingestSettings(env.ingest)).not.toThrow();
    expect(clientDataSettings(env['client-data']).overridePrompt).toBe(!('overridePrompt' in props));
    expect(retrieveSettings(env.retrieve).requireApiKey).toBe(!('retrieveRequireApiKey' in props));

    const given = props as Partial<AgenticMemoryProps>;
    expect(retrieveSettings(env.retrieve).retrieveAuth).toBe(given.retrieveAuth ?? 'token-or-key');
    expect(clientDataSettings(env['client-data']).memoryTokenTtlSeconds).toBe(
      given.memoryTokenTtl?.toSeconds() ?? 7200,
    );
    const scopes = [
      clientDataSettings(env['client-data']).memoryScope,
      retrieveSettings(env.retrieve).memoryScope,
      ingestSettings(env.ingest).memoryScope,
    ];
    for (const scope of scopes) {
      expect(scope.mode).toBe(given.memoryScope ?? 'deployment');
      expect(scope.agentScopes && Object.fromEntries(scope.agentScopes)).toEqual(
        given.memoryScopeMap &&
          Object.fromEntries(
            Object.entries(given.memoryScopeMap).flatMap(([name, agents]) => agents.map((agent) => [agent, name])),
          ),
      );
    }
  });

  test('with the AgentCore backend: each memory function’s environment is one its AgentCore entry starts with', () => {
    const stack = bareStack();
    const memory = new AgenticMemory(stack, 'Memory', {
      memory: MemoryBackend.agentCore(),
      memoryMaxAge: Duration.days(30),
    });
    const env = environments(stack, memory);
    const variables = Template.fromStack(stack).toJSON().Resources[logicalId(memory.retentionFunction!)].Properties
      .Environment.Variables as Record<string, unknown>;
    env.retention = Object.fromEntries(
      Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : `ref-${k}`]),
    );
    for (const service of ['client-data', 'retrieve', 'ingest', 'retention']) {
      for (const name of Object.keys(env[service])) {
        expect({ service, name, known: runtimeVariables.has(name) || handlerVariables.has(name) }).toEqual({
          service,
          name,
          known: true,
        });
      }
      expect(memoryBackendOf(env[service])).toBe('agentcore');
      // What index-agentcore.ts builds at start: it refuses a missing memory id or another backend.
      expect(() => agentCoreFromEnvironment({ env: { ...env[service], AWS_REGION: 'eu-west-1' } })).not.toThrow();
    }
    expect(() => clientDataSettings(env['client-data'])).not.toThrow();
    expect(() => retrieveSettings(env.retrieve)).not.toThrow();
    expect(() => ingestSettings(env.ingest)).not.toThrow();
    expect(() => retentionSettings(env.retention)).not.toThrow();
    // post-call keeps no memories: the Mem0 default is not contradicted there.
    expect(memoryBackendOf(env['post-call'])).toBe('mem0');
  });

  test('each function is told the secrets it reads, by id', () => {
    const stack = bareStack();
    const env = environments(stack, new AgenticMemory(stack, 'Memory'));
    const secretIds = (service: string) =>
      Object.keys(env[service])
        .filter((name) => name.endsWith('_SECRET_ID'))
        .sort();
    expect(secretIds('client-data')).toEqual(
      [ENV.mem0ApiKeySecretId, ENV.workspaceKeySecretId, ENV.memoryTokenKeySecretId].sort(),
    );
    expect(secretIds('retrieve')).toEqual(
      [ENV.mem0ApiKeySecretId, ENV.retrieveApiKeySecretId, ENV.memoryTokenKeySecretId].sort(),
    );
    expect(secretIds('post-call')).toEqual([ENV.hmacKeySecretId]);
    expect(secretIds('ingest')).toEqual([ENV.mem0ApiKeySecretId]);
  });

  test.each([
    ['token', [ENV.mem0ApiKeySecretId, ENV.memoryTokenKeySecretId]],
    ['key', [ENV.mem0ApiKeySecretId, ENV.retrieveApiKeySecretId]],
  ] as const)('retrieveAuth %s: the retrieve function is told only the keys that mode checks', (mode, expected) => {
    const stack = bareStack();
    const env = environments(stack, new AgenticMemory(stack, 'Memory', { retrieveAuth: mode }));
    expect(
      Object.keys(env.retrieve)
        .filter((name) => name.endsWith('_SECRET_ID'))
        .sort(),
    ).toEqual([...expected].sort());
    expect(retrieveSettings(env.retrieve).retrieveAuth).toBe(mode);
  });
});
