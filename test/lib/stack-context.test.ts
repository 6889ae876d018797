import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, RemovalPolicy } from 'aws-cdk-lib';
import { MemoryBackend } from '../../lib/agentic-memory-props';
import { ENV } from '../../lib/contract';
import { stackFromContext } from '../../lib/stack-context';
import { REPO_ROOT, temporaryDirectory } from './cdk-test-app';

const fromContext = (context: Record<string, unknown>) => stackFromContext(new App({ context }));

describe('stackFromContext', () => {
  test('no context: the stack AgenticMemory with the construct defaults, data retained', () => {
    const { stackName, props } = fromContext({});
    expect(stackName).toBe('AgenticMemory');
    expect(props.alarmEmail).toBeUndefined();
    expect(props.memory).toEqual({
      mem0Host: undefined,
      removalPolicy: RemovalPolicy.RETAIN,
      retrieveAuth: undefined,
      memoryScope: undefined,
      memoryScopeMap: undefined,
      memoryTokenTtl: undefined,
    });
  });

  test('every key, as `-c key=value` gives them (strings)', () => {
    const { stackName, props } = fromContext({
      stackName: 'Memory-Prod',
      alarmEmail: 'ops@example.com',
      mem0Host: 'https://mem0.example',
      removalPolicy: 'destroy',
      retrieveAuth: 'token',
      memoryScope: 'agent',
      memoryScopeMap: '{"clinic-a":["agent_1","agent_2"],"clinic-b":["agent_3"]}',
      memoryTokenTtlMinutes: '45',
    });
    expect(stackName).toBe('Memory-Prod');
    expect(props.alarmEmail).toBe('ops@example.com');
    const { memoryTokenTtl, ...memory } = props.memory!;
    expect(memory).toEqual({
      mem0Host: 'https://mem0.example',
      removalPolicy: RemovalPolicy.DESTROY,
      retrieveAuth: 'token',
      memoryScope: 'agent',
      memoryScopeMap: { 'clinic-a': ['agent_1', 'agent_2'], 'clinic-b': ['agent_3'] },
    });
    expect(memoryTokenTtl?.toSeconds()).toBe(45 * 60);
  });

  test('cdk.json may give the scope map as an object and the lifetime as a number', () => {
    const { props } = fromContext({
      memoryScope: 'agent',
      memoryScopeMap: { clinic: ['agent_1'] },
      memoryTokenTtlMinutes: 1440,
    });
    expect(props.memory?.memoryScopeMap).toEqual({ clinic: ['agent_1'] });
    expect(props.memory?.memoryTokenTtl?.toHours()).toBe(24);
  });

  test('memoryBackend=agentcore: the AgentCore backend, creating its memory', () => {
    const { props } = fromContext({ memoryBackend: 'agentcore' });
    expect(props.memory?.memory).toEqual(MemoryBackend.agentCore());
    expect(props.memory?.memory?.name).toBe('agentcore');
    expect(props.memory?.memory?.agentCore?.existingMemoryId).toBeUndefined();
  });

  test('memoryBackend=agentcore with agentCoreMemoryId: that existing memory', () => {
    const { props } = fromContext({ memoryBackend: 'agentcore', agentCoreMemoryId: ' Kept_Memory-a1b2c3d4e5 ' });
    expect(props.memory?.memory?.agentCore).toEqual({ existingMemoryId: 'Kept_Memory-a1b2c3d4e5' });
  });

  test('memoryBackend=mem0 is the default: the construct’s own (Mem0)', () => {
    expect(fromContext({ memoryBackend: 'mem0', mem0Host: 'https://mem0.example' }).props.memory).toMatchObject({
      memory: undefined,
      mem0Host: 'https://mem0.example',
    });
  });

  test('blank values count as not given', () => {
    const { stackName, props } = fromContext({ stackName: '  ', retrieveAuth: '', memoryScopeMap: ' ' });
    expect(stackName).toBe('AgenticMemory');
    expect(props.memory?.retrieveAuth).toBeUndefined();
    expect(props.memory?.memoryScopeMap).toBeUndefined();
  });

  test.each([
    ['retrieveAuth', 'tokens', /context retrieveAuth must be one of token, token-or-key, key, got "tokens"/],
    ['memoryScope', 'per-agent', /context memoryScope must be one of deployment, agent, got "per-agent"/],
    ['removalPolicy', 'destory', /context removalPolicy must be one of retain, destroy, got "destory"/],
    ['memoryScopeMap', "{clinic: ['agent_1']}", /context memoryScopeMap is not JSON: expected/],
    [
      'memoryScopeMap',
      '["agent_1"]',
      /context memoryScopeMap must be a JSON object of scope names to lists of agent ids/,
    ],
    [
      'memoryTokenTtlMinutes',
      '2h',
      /context memoryTokenTtlMinutes must be a whole number of minutes from 1 to 1440, got "2h"/,
    ],
    ['memoryTokenTtlMinutes', '0', /from 1 to 1440, got "0"/],
    ['memoryTokenTtlMinutes', 1441, /from 1 to 1440, got 1441/],
    ['memoryTokenTtlMinutes', 90.5, /from 1 to 1440, got 90.5/],
    ['alarmEmail', ['ops@example.com'], /context alarmEmail must be a string, got \["ops@example.com"\]/],
    ['memoryBackend', 'dynamodb', /context memoryBackend must be one of mem0, agentcore, got "dynamodb"/],
    [
      'agentCoreMemoryId',
      'Kept_Memory-a1b2c3d4e5',
      /context agentCoreMemoryId is for the AgentCore backend: add -c memoryBackend=agentcore/,
    ],
  ])('%s = %j: refused, naming the key', (key, value, message) => {
    expect(() => fromContext({ [key]: value })).toThrow(message);
  });

  test('a Mem0 host with the AgentCore backend is refused, naming the key', () => {
    expect(() => fromContext({ memoryBackend: 'agentcore', mem0Host: 'https://mem0.example' })).toThrow(
      /context mem0Host is for the Mem0 backend, but memoryBackend is agentcore: remove it/,
    );
  });
});

describe('bin/agentic-memory.ts', () => {
  /** Runs the CDK app as `cdk synth` does: context in CDK_CONTEXT_JSON, the assembly in CDK_OUTDIR. */
  function synth(context: Record<string, unknown>) {
    const outdir = temporaryDirectory('agentic-memory-bin');
    const result = spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join('bin', 'agentic-memory.ts')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        PATH: process.env.PATH,
        CDK_OUTDIR: outdir,
        // No bundling: the template is the same but for asset hashes (the stack test bundles).
        CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }),
      },
    });
    return { outdir, ...result };
  }

  test('the context reaches the deployed functions, and the app passes cdk-nag', () => {
    const { outdir, status, stderr } = synth({
      stackName: 'Clinics',
      retrieveAuth: 'token',
      memoryScope: 'agent',
      memoryScopeMap: '{"clinic-a":["agent_1"]}',
      memoryTokenTtlMinutes: '30',
    });
    try {
      expect({ status, stderr: status === 0 ? '' : stderr }).toEqual({ status: 0, stderr: '' });
      const template = JSON.parse(fs.readFileSync(path.join(outdir, 'Clinics.template.json'), 'utf8')) as {
        Resources: Record<
          string,
          { Type: string; Properties: { Environment?: { Variables: Record<string, unknown> } } }
        >;
      };
      const environments = Object.values(template.Resources)
        .filter((resource) => resource.Type === 'AWS::Lambda::Function')
        .map((resource) => resource.Properties.Environment?.Variables ?? {});
      const clientData = environments.find((env) => env.POWERTOOLS_SERVICE_NAME === 'client-data');
      const retrieve = environments.find((env) => env.POWERTOOLS_SERVICE_NAME === 'retrieve');
      expect(clientData).toMatchObject({
        [ENV.memoryScope]: 'agent',
        [ENV.memoryScopeMap]: '{"clinic-a":["agent_1"]}',
        [ENV.memoryTokenTtlSeconds]: '1800',
      });
      expect(retrieve).toMatchObject({ [ENV.retrieveAuth]: 'token' });
      expect(retrieve?.[ENV.retrieveApiKeySecretId]).toBeUndefined();
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('-c memoryBackend=agentcore: the AgentCore memory, its id in each memory function and the outputs, no Mem0 secret; cdk-nag passes', () => {
    const { outdir, status, stderr } = synth({ stackName: 'InAccount', memoryBackend: 'agentcore' });
    try {
      expect({ status, stderr: status === 0 ? '' : stderr }).toEqual({ status: 0, stderr: '' });
      const template = JSON.parse(fs.readFileSync(path.join(outdir, 'InAccount.template.json'), 'utf8')) as {
        Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
        Outputs: Record<string, { Value: unknown }>;
      };
      const memories = Object.entries(template.Resources).filter(
        ([, resource]) => resource.Type === 'AWS::BedrockAgentCore::Memory',
      );
      expect(memories).toHaveLength(1);
      const [memoryLogicalId] = memories[0];
      const memoryId = { 'Fn::GetAtt': [memoryLogicalId, 'MemoryId'] };
      const environments = Object.values(template.Resources)
        .filter((resource) => resource.Type === 'AWS::Lambda::Function')
        .map(
          (resource) =>
            (resource.Properties.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables,
        )
        .filter((variables) => variables?.POWERTOOLS_SERVICE_NAME !== undefined) as Record<string, unknown>[];
      for (const service of ['client-data', 'retrieve', 'ingest']) {
        expect(environments.find((env) => env.POWERTOOLS_SERVICE_NAME === service)).toMatchObject({
          [ENV.memoryBackend]: 'agentcore',
          [ENV.agentCoreMemoryId]: memoryId,
        });
      }
      expect(
        Object.values(template.Resources).some(
          (r) => r.Type === 'AWS::SecretsManager::Secret' && JSON.stringify(r).includes('Mem0'),
        ),
      ).toBe(false);
      expect(template.Outputs.MemoryBackend.Value).toBe('agentcore');
      expect(template.Outputs.AgentCoreMemoryId.Value).toEqual(memoryId);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('-c agentCoreMemoryId: no memory created, the functions use that one', () => {
    const { outdir, status, stderr } = synth({
      stackName: 'KeptMemory',
      memoryBackend: 'agentcore',
      agentCoreMemoryId: 'Kept_Memory-a1b2c3d4e5',
    });
    try {
      expect({ status, stderr: status === 0 ? '' : stderr }).toEqual({ status: 0, stderr: '' });
      const template = JSON.parse(fs.readFileSync(path.join(outdir, 'KeptMemory.template.json'), 'utf8')) as {
        Resources: Record<string, { Type: string }>;
        Outputs: Record<string, { Value: unknown }>;
      };
      expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::BedrockAgentCore::Memory')).toEqual([]);
      expect(template.Outputs.AgentCoreMemoryId.Value).toBe('Kept_Memory-a1b2c3d4e5');
      expect(JSON.stringify(template.Resources)).toContain(':memory/Kept_Memory-a1b2c3d4e5');
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('-c alarmEmail with something that is not an email address stops the synth, saying what is expected', () => {
    const { outdir, status, stderr } = synth({ alarmEmail: 'notanemail' });
    fs.rmSync(outdir, { recursive: true, force: true });
    expect(status).not.toBe(0);
    expect(stderr).toContain(
      'AgenticMemory: alarmEmail must be an email address (name@example.com) to send alarms to, got "notanemail".',
    );
  });

  test('a bad context value stops the synth with a message naming the key', () => {
    const { outdir, status, stderr } = synth({
      memoryScope: 'agent',
      memoryScopeMap: '{"a":["agent_1"],"b":["agent_1"]}',
    });
    fs.rmSync(outdir, { recursive: true, force: true });
    expect(status).not.toBe(0);
    expect(stderr).toContain('AgenticMemory: memoryScopeMap puts agent agent_1 in two scopes ("a" and "b")');
  });
});
