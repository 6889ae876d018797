import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks, NagPack } from 'cdk-nag';
import { IConstruct } from 'constructs';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AgenticMemory, AgenticMemoryStack, MemoryBackend } from '../../lib';
import { REQUIRED_OUTPUTS, stackMemory, type StackOutputs } from '../../cli/aws/stack-outputs';
import { AGENTCORE_STRATEGIES } from '../../lambdas/shared/memory/agentcore-ids';
import { ENV } from '../../lib/contract';
import { stackFromContext } from '../../lib/stack-context';
import {
  cdkJsonContext,
  flatten,
  logicalId,
  permissionsOf,
  temporaryDirectory,
  testApp,
  withoutAssetHashes,
} from './cdk-test-app';

/** The default stack, as `npx cdk synth` builds it (cdk.json flags, real esbuild bundles), once. */
let outdir: string;
let stack: AgenticMemoryStack;
let template: Template;

beforeAll(() => {
  outdir = temporaryDirectory('agentic-memory-stack');
  stack = new AgenticMemoryStack(testApp({ bundle: true, outdir }), 'AgenticMemory');
  template = Template.fromStack(stack);
});

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe('outputs', () => {
  const output = (name: string) => flatten(template.toJSON().Outputs[name].Value);

  test('the three URLs, each with its route path', () => {
    const memory = stack.memory;
    expect(output('ClientDataApiUrl')).toBe(`<${logicalId(memory.clientDataApi)}.ApiEndpoint>/client-data`);
    expect(output('RetrieveApiUrl')).toBe(`<${logicalId(memory.retrieveApi)}.ApiEndpoint>/retrieve`);
    expect(output('PostCallApiUrl')).toBe(`<${logicalId(memory.postCallApi)}.ApiEndpoint>/post-call`);
  });

  test.each([
    ['Mem0ApiKey', 'put-secret-value', () => stack.memory.mem0ApiKeySecret],
    ['HmacKey', 'put-secret-value', () => stack.memory.hmacKeySecret],
    ['WorkspaceKey', 'get-secret-value', () => stack.memory.workspaceKeySecret],
    ['RetrieveApiKey', 'get-secret-value', () => stack.memory.retrieveApiKeySecret],
  ])('%s: the secret name and the exact aws CLI command (%s)', (name, command, secret) => {
    const secretName = flatten(stack.resolve(secret().secretName));
    expect(secretName).toContain(logicalId(secret()));
    expect(output(`${name}SecretName`)).toBe(secretName);
    expect(output(`${name}SecretCommand`)).toBe(
      command === 'put-secret-value'
        ? `aws secretsmanager put-secret-value --region <AWS::Region> --secret-id ${secretName} --secret-string "$VALUE"`
        : `aws secretsmanager get-secret-value --region <AWS::Region> --secret-id ${secretName} --query SecretString --output text`,
    );
  });

  test('MemoryTokenKey: the secret name and a command that rotates it to a new random value, never printed', () => {
    const secretName = flatten(stack.resolve(stack.memory.memoryTokenKeySecret.secretName));
    expect(secretName).toContain(logicalId(stack.memory.memoryTokenKeySecret));
    expect(output('MemoryTokenKeySecretName')).toBe(secretName);
    expect(output('MemoryTokenKeySecretCommand')).toBe(
      `aws secretsmanager put-secret-value --region <AWS::Region> --secret-id ${secretName} --secret-string "$(aws secretsmanager get-random-password --region <AWS::Region> --password-length 64 --exclude-punctuation --query RandomPassword --output text)"`,
    );
    expect(template.toJSON().Outputs.MemoryTokenKeySecretCommand.Description).toMatch(
      /^Sets a new random value, without printing it: /,
    );
  });

  // MemoryScope, MemoryScopeMap and RetrieveAuth: the names the admin CLI reads the functions' configuration from.
  test('the admin CLI finds every output it requires, and the configuration as the functions spell it', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(REQUIRED_OUTPUTS.filter((name) => outputs[name] === undefined)).toEqual([]);
    expect(output('MemoryScope')).toBe('deployment');
    expect(output('RetrieveAuth')).toBe('token-or-key');
    expect(outputs.MemoryScopeMap).toBeUndefined();
  });

  test('memory scope, scope map and search auth given: stated in the outputs; the tool header follows the mode', () => {
    const memoryScopeMap = { 'clinic-a': ['agent_1', 'agent_2'], 'clinic-b': ['agent_3'] };
    const scoped = new AgenticMemoryStack(testApp(), 'Scoped', {
      memory: { retrieveAuth: 'token', memoryScope: 'agent', memoryScopeMap },
    });
    const outputs = Template.fromStack(scoped).toJSON().Outputs;
    expect(outputs.MemoryScope.Value).toBe('agent');
    expect(JSON.parse(outputs.MemoryScopeMap.Value as string)).toEqual(memoryScopeMap);
    expect(outputs.RetrieveAuth.Value).toBe('token');
    expect(outputs.RetrieveApiUrl.Description).toBe(
      'URL of the search_memory server tool (POST, header X-Memory-Token: {{secret__memory_token}})',
    );
    expect(outputs.RetrieveApiKeySecretName.Description).toMatch(/not accepted while retrieveAuth is token/);

    const keyOnly = new AgenticMemoryStack(testApp(), 'KeyOnly', { memory: { retrieveAuth: 'key' } });
    expect(Template.fromStack(keyOnly).toJSON().Outputs.RetrieveApiUrl.Description).toBe(
      'URL of the search_memory server tool (POST, header X-Api-Key)',
    );
    expect(template.toJSON().Outputs.RetrieveApiUrl.Description).toMatch(
      /header X-Memory-Token: \{\{secret__memory_token\}\}; X-Api-Key for web calls without a pre-call/,
    );
  });

  test('the dashboard URL', () => {
    expect(output('DashboardUrl')).toBe(
      `https://<AWS::Region>.console.aws.amazon.com/cloudwatch/home?region=<AWS::Region>#dashboards:name=<${logicalId(stack.memory.dashboard)}>`,
    );
  });

  test('no secret value anywhere: no SecretString, no secret reference resolved into an output', () => {
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toMatch(/"SecretString"\s*:/);
    expect(json).not.toContain('{{resolve:secretsmanager');
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(
      [
        'ClientDataApiUrl',
        'RetrieveApiUrl',
        'PostCallApiUrl',
        'DashboardUrl',
        'ArchiveBucketName',
        'IngestQueueUrl',
        'IngestDeadLetterQueueUrl',
        'Mem0Host',
        'MemoryBackend',
        'MemoryScope',
        'RetrieveAuth',
        ...['Mem0ApiKey', 'HmacKey', 'WorkspaceKey', 'RetrieveApiKey', 'MemoryTokenKey'].flatMap((n) => [
          `${n}SecretName`,
          `${n}SecretCommand`,
        ]),
      ].sort(),
    );
  });

  test('what the admin CLI needs: the archive bucket, both queues, the memory backend and the Mem0 host', () => {
    expect(output('ArchiveBucketName')).toBe(`<${logicalId(stack.memory.archiveBucket)}>`);
    expect(output('IngestQueueUrl')).toBe(`<${logicalId(stack.memory.ingestQueue)}>`);
    expect(output('IngestDeadLetterQueueUrl')).toBe(`<${logicalId(stack.memory.ingestDeadLetterQueue)}>`);
    expect(output('MemoryBackend')).toBe('mem0');
    expect(output('Mem0Host')).toBe('https://api.mem0.ai');
    const outputs = Object.fromEntries(
      Object.entries(template.toJSON().Outputs as Record<string, { Value: unknown }>).map(([name, { Value }]) => [
        name,
        flatten(Value),
      ]),
    ) as StackOutputs;
    expect(stackMemory(outputs, 'AgenticMemory')).toEqual({
      backend: 'mem0',
      apiKeySecretName: output('Mem0ApiKeySecretName'),
      host: 'https://api.mem0.ai',
    });
  });

  test('with recording downloads: the ElevenLabs API key secret and the command to set it', () => {
    const withRecordings = new AgenticMemoryStack(testApp(), 'Recordings', { memory: { downloadRecordings: true } });
    const outputs = Template.fromStack(withRecordings).toJSON().Outputs;
    const secretName = flatten(withRecordings.resolve(withRecordings.memory.elevenLabsApiKeySecret!.secretName));
    expect(flatten(outputs.ElevenLabsApiKeySecretName.Value)).toBe(secretName);
    expect(flatten(outputs.ElevenLabsApiKeySecretCommand.Value)).toContain(
      `put-secret-value --region <AWS::Region> --secret-id ${secretName}`,
    );
  });

  test.each(['notanemail', 'ops@', '@example.com', 'ops@example', 'ops @example.com', 'ops@exa mple.com'])(
    'an alarm email that is not an address (%j) is refused at synth, saying what is expected',
    (alarmEmail) => {
      expect(() => new AgenticMemoryStack(testApp(), 'BadEmail', { alarmEmail })).toThrow(
        `AgenticMemory: alarmEmail must be an email address (name@example.com) to send alarms to, got ${JSON.stringify(alarmEmail)}.`,
      );
    },
  );

  test('an alarm email creates a TLS-only topic that every alarm notifies', () => {
    const withEmail = new AgenticMemoryStack(testApp(), 'WithEmail', { alarmEmail: 'ops@example.com' });
    const t = Template.fromStack(withEmail);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [{ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
      },
    });
    for (const alarm of Object.values(t.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: logicalId(withEmail.alarmTopic!) }]);
    }
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });
});

describe('bundles', () => {
  const functions = () => stack.memory.functions();
  const bundleOf = (fn: IConstruct) => {
    const code = template.toJSON().Resources[logicalId(fn)].Properties.Code as { S3Key: string };
    return path.join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
  };

  test('each function is bundled by the local esbuild: minified CommonJS, its source map beside it, the AWS SDK inside', () => {
    for (const fn of functions()) {
      const dir = bundleOf(fn);
      expect(fs.readdirSync(dir).sort()).toEqual(['index.js', 'index.js.map']);
      const code = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
      expect(code).toMatch(/\/\/# sourceMappingURL=index\.js\.map\s*$/);
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
      expect(code).not.toMatch(/require\("@aws-sdk\/client-/);
    }
  });

  test('each bundle loads in plain Node with the environment the construct gives it and exports handler', () => {
    for (const fn of functions()) {
      const variables = template.toJSON().Resources[logicalId(fn)].Properties.Environment.Variables as Record<
        string,
        unknown
      >;
      const environment = Object.fromEntries(
        Object.entries(variables).map(([name, value]) => [
          name,
          typeof value === 'string' ? value : `resolved-${name.toLowerCase()}`,
        ]),
      );
      const loaded = spawnSync(
        process.execPath,
        [
          '-e',
          `const m = require(${JSON.stringify(path.join(bundleOf(fn), 'index.js'))}); process.stdout.write(typeof m.handler);`,
        ],
        {
          env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', POWERTOOLS_METRICS_DISABLED: 'true', ...environment },
          encoding: 'utf8',
          timeout: 20_000,
        },
      );
      expect({
        service: fn.serviceName,
        stdout: loaded.stdout,
        status: loaded.status,
        stderr: loaded.status ? loaded.stderr : '',
      }).toEqual({
        service: fn.serviceName,
        stdout: 'function',
        status: 0,
        stderr: '',
      });
    }
  });
});

describe('cdk-nag AwsSolutions', () => {
  /** Runs the pack and records, for each acknowledged finding, the resource and the rule. */
  function runChecks(scope: IConstruct): { violations: unknown[]; acknowledged: { path: string; id: string }[] } {
    const acknowledged: { path: string; id: string }[] = [];
    const prototype = NagPack.prototype as unknown as { isAcknowledged(node: IConstruct, ruleId: string): boolean };
    const original = prototype.isAcknowledged;
    const spy = jest.spyOn(prototype, 'isAcknowledged').mockImplementation(function (this: unknown, node, ruleId) {
      const result = original.call(this, node, ruleId);
      if (result) acknowledged.push({ path: node.node.path, id: ruleId });
      return result;
    });
    try {
      return { violations: new AwsSolutionsChecks().validateScope(scope).violations, acknowledged };
    } finally {
      spy.mockRestore();
    }
  }

  function acknowledgements(scope: IConstruct): { path: string; id: string; reason: string }[] {
    return scope.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
            path: construct.node.path,
            id: id.replace(/^Annotation::/, ''),
            reason,
          })),
        ),
    );
  }

  test('the default stack has no unacknowledged finding', () => {
    expect(runChecks(stack).violations).toEqual([]);
  });

  test('each acknowledgement names an AwsSolutions rule, gives a specific reason, and is needed', () => {
    const { acknowledged } = runChecks(stack);
    const acks = acknowledgements(stack);
    // An acknowledgement is needed when it silenced a finding on its construct or below.
    const needed = (ack: { path: string; id: string }) =>
      acknowledged.some((finding) => finding.id === ack.id && `${finding.path}/`.startsWith(`${ack.path}/`));
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id).toMatch(/^AwsSolutions-[A-Z]+[0-9]+(\[.+\])?$/);
      expect(ack.reason.length).toBeGreaterThanOrEqual(60);
      expect({ ...ack, needed: needed(ack) }).toEqual({ ...ack, needed: true });
    }
    expect([...new Set(acks.map((ack) => ack.id.replace(/\[.*$/, '')))].sort()).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-IAM4',
      'AwsSolutions-IAM5',
      'AwsSolutions-SMG4',
    ]);
    const tokenKeyPath = stack.memory.memoryTokenKeySecret.node.path;
    expect(acks.find((ack) => ack.path === tokenKeyPath && ack.id === 'AwsSolutions-SMG4')?.reason).toMatch(
      /verify memory tokens with the current value only/,
    );
  });

  test('other configurations are clean too: alarm email, DESTROY, no access logs, each search auth, bring-your-own bucket and secrets', () => {
    const app = testApp();
    const scopes: IConstruct[] = [
      new AgenticMemoryStack(app, 'Email', { alarmEmail: 'ops@example.com' }),
      new AgenticMemoryStack(app, 'Destroy', { memory: { removalPolicy: RemovalPolicy.DESTROY } }),
      new AgenticMemoryStack(app, 'NoAccessLogs', { memory: { archiveAccessLogs: false } }),
      new AgenticMemoryStack(app, 'TokensOnly', {
        memory: { retrieveAuth: 'token', memoryScope: 'agent', memoryScopeMap: { clinic: ['agent_1'] } },
      }),
      new AgenticMemoryStack(app, 'KeyOnly', { memory: { retrieveAuth: 'key', retrieveRequireApiKey: false } }),
      new AgenticMemoryStack(app, 'Operations', {
        alarmEmail: 'ops@example.com',
        memory: {
          downloadRecordings: true,
          memoryMaxAge: Duration.days(365),
          archiveRetention: {
            rawPayloads: Duration.days(30),
            audio: Duration.days(90),
            preCallRecords: Duration.days(7),
          },
        },
      }),
    ];
    scopes.push(new AgenticMemoryStack(app, 'AgentCore', { memory: { memory: MemoryBackend.agentCore() } }));
    const keyed = new Stack(app, 'AgentCoreKeyed');
    new AgenticMemory(keyed, 'Memory', {
      memory: MemoryBackend.agentCore({
        encryptionKey: new kms.Key(keyed, 'MemoryKey', { enableKeyRotation: true }),
        eventExpiry: Duration.days(30),
        strategies: ['SUMMARIZATION'],
      }),
      memoryMaxAge: Duration.days(400),
      downloadRecordings: true,
    });
    scopes.push(keyed);
    const kept = new Stack(app, 'AgentCoreKept');
    new AgenticMemory(kept, 'Memory', {
      memory: MemoryBackend.agentCore({
        existingMemoryId: 'Kept_Memory-a1b2c3d4e5',
        encryptionKey: kms.Key.fromKeyArn(
          kept,
          'KeptKey',
          'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        ),
      }),
      memoryMaxAge: Duration.days(30),
    });
    scopes.push(kept);
    const own = new Stack(app, 'Own');
    new AgenticMemory(own, 'Memory', {
      existingArchiveBucket: s3.Bucket.fromBucketName(own, 'Archive', 'my-archive'),
      existingMem0ApiKeySecret: secretsmanager.Secret.fromSecretNameV2(own, 'Mem0', 'team/mem0'),
      existingMemoryTokenKeySecret: secretsmanager.Secret.fromSecretNameV2(own, 'TokenKey', 'team/memory-token'),
    });
    scopes.push(own);
    for (const scope of scopes) {
      expect({ scope: scope.node.path, violations: runChecks(scope).violations }).toEqual({
        scope: scope.node.path,
        violations: [],
      });
    }
  });

  test('as in bin/: the plugin runs at synth and stops it on an unacknowledged finding', () => {
    const clean = testApp();
    new AgenticMemoryStack(clean, 'AgenticMemory');
    Validations.of(clean).addPlugins(new AwsSolutionsChecks(clean));
    expect(() => clean.synth()).not.toThrow();

    const dirty = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new s3.Bucket(new Stack(dirty, 'Dirty'), 'NoTls');
    Validations.of(dirty).addPlugins(new AwsSolutionsChecks(dirty));
    expect(() => dirty.synth()).toThrow(/AwsSolutions-S10/);
  });
});

/**
 * The stack `cdk deploy -c memoryBackend=agentcore` builds (the context read by stackFromContext,
 * as in bin/), with memoryMaxAge added so the retention job is there too; bundled by the local
 * esbuild, once.
 */
describe('with the AgentCore backend (-c memoryBackend=agentcore)', () => {
  let agentCoreOutdir: string;
  let agentCore: AgenticMemoryStack;
  let agentCoreTemplate: Template;
  let memoryArn: string;

  beforeAll(() => {
    agentCoreOutdir = temporaryDirectory('agentic-memory-agentcore');
    const app = new App({ outdir: agentCoreOutdir, context: { ...cdkJsonContext(), memoryBackend: 'agentcore' } });
    const { stackName, props } = stackFromContext(app);
    agentCore = new AgenticMemoryStack(app, stackName, {
      ...props,
      memory: { ...props.memory, memoryMaxAge: Duration.days(400) },
    });
    agentCoreTemplate = Template.fromStack(agentCore);
    memoryArn = `<${logicalId(agentCore.memory.agentCoreMemory!)}.MemoryArn>`;
  });

  afterAll(() => fs.rmSync(agentCoreOutdir, { recursive: true, force: true }));

  const memoryFunctions = () => [
    agentCore.memory.clientDataFunction,
    agentCore.memory.retrieveFunction,
    agentCore.memory.ingestFunction,
    agentCore.memory.retentionFunction!,
  ];
  const variablesOf = (fn: IConstruct) =>
    agentCoreTemplate.toJSON().Resources[logicalId(fn)].Properties.Environment.Variables as Record<string, unknown>;

  test('one AgentCore memory with the three strategies writing into the namespaces the adapter reads', () => {
    const memories = agentCoreTemplate.findResources('AWS::BedrockAgentCore::Memory');
    expect(Object.keys(memories)).toEqual([logicalId(agentCore.memory.agentCoreMemory!)]);
    const properties = Object.values(memories)[0].Properties;
    expect(properties.MemoryStrategies).toEqual(
      AGENTCORE_STRATEGIES.map((strategy) => ({
        [strategy.cfnProperty.replace(/^./, (c) => c.toUpperCase())]: {
          Name: strategy.name,
          Description: strategy.description,
          NamespaceTemplates: [...strategy.namespaces],
          RecordExpirySpecification: { RecordExpiryDurationDays: 400 },
        },
      })),
    );
    expect(properties.EventExpiryDuration).toBe(90);
    expect(Object.values(memories)[0].DeletionPolicy).toBe('Retain');
  });

  test('no Mem0 secret, no Mem0 output; reading mem0ApiKeySecret says why there is none', () => {
    const secrets = Object.keys(agentCoreTemplate.findResources('AWS::SecretsManager::Secret'));
    expect(secrets).toHaveLength(4);
    expect(secrets.filter((id) => /mem0/i.test(id))).toEqual([]);
    const outputs = Object.keys(agentCoreTemplate.toJSON().Outputs);
    expect(outputs.filter((name) => /mem0/i.test(name))).toEqual([]);
    expect(() => agentCore.memory.mem0ApiKeySecret).toThrow(
      "AgenticMemory AgenticMemory/Memory: no Mem0 API key secret: memories live in Amazon Bedrock AgentCore Memory (memoryBackend is 'agentcore').",
    );
  });

  test('the outputs the admin CLI opens the memory from: MemoryBackend and AgentCoreMemoryId', () => {
    const outputs = Object.fromEntries(
      Object.entries(agentCoreTemplate.toJSON().Outputs as Record<string, { Value: unknown }>).map(
        ([name, { Value }]) => [name, flatten(Value)],
      ),
    ) as StackOutputs;
    expect(REQUIRED_OUTPUTS.filter((name) => outputs[name] === undefined)).toEqual([]);
    expect(outputs.MemoryBackend).toBe('agentcore');
    expect(outputs.AgentCoreMemoryId).toBe(`<${logicalId(agentCore.memory.agentCoreMemory!)}.MemoryId>`);
    expect(stackMemory(outputs, 'AgenticMemory')).toEqual({
      backend: 'agentcore',
      memoryId: outputs.AgentCoreMemoryId,
    });
  });

  test('the four memory functions: MEMORY_BACKEND=agentcore and the memory id, nothing of Mem0 but its telemetry switch', () => {
    const memoryId = { 'Fn::GetAtt': [logicalId(agentCore.memory.agentCoreMemory!), 'MemoryId'] };
    for (const fn of memoryFunctions()) {
      const variables = variablesOf(fn);
      expect({ fn: fn.node.id, backend: variables[ENV.memoryBackend], id: variables[ENV.agentCoreMemoryId] }).toEqual({
        fn: fn.node.id,
        backend: 'agentcore',
        id: memoryId,
      });
      // MEM0_TELEMETRY=false is the wrapper's on every function, whatever the backend.
      expect(Object.keys(variables).filter((name) => name.startsWith('MEM0_') && name !== 'MEM0_TELEMETRY')).toEqual(
        [],
      );
      expect(variables[ENV.agentCoreEndpoint]).toBeUndefined();
    }
    const postCall = variablesOf(agentCore.memory.postCallFunction);
    expect([postCall[ENV.memoryBackend], postCall[ENV.agentCoreMemoryId]]).toEqual([undefined, undefined]);
  });

  test('each function may send exactly the AgentCore requests its handler makes, to that one memory, and read no Mem0 key', () => {
    const agentCorePermissions = (fn: IConstruct) =>
      permissionsOf(agentCoreTemplate, logicalId((fn as AgenticMemory['clientDataFunction']).executionRole)).filter(
        (permission) => permission.startsWith('bedrock-agentcore:') || /mem0/i.test(permission),
      );
    const on = (...actions: string[]) => actions.map((action) => `bedrock-agentcore:${action} on ${memoryArn}`).sort();
    expect(agentCorePermissions(agentCore.memory.clientDataFunction)).toEqual(
      on('ListMemoryRecords', 'ListSessions', 'ListEvents'),
    );
    expect(agentCorePermissions(agentCore.memory.retrieveFunction)).toEqual(on('RetrieveMemoryRecords'));
    expect(agentCorePermissions(agentCore.memory.ingestFunction)).toEqual(
      on('CreateEvent', 'ListEvents', 'BatchCreateMemoryRecords', 'ListMemoryRecords'),
    );
    expect(agentCorePermissions(agentCore.memory.retentionFunction!)).toEqual(
      on(
        'ListActors',
        'ListMemoryRecords',
        'ListSessions',
        'ListEvents',
        'GetMemoryRecord',
        'DeleteMemoryRecord',
        'DeleteEvent',
      ),
    );
    expect(agentCorePermissions(agentCore.memory.postCallFunction)).toEqual([]);
    // No statement anywhere lets a function reach another memory.
    const everyAgentCoreResource = Object.values(agentCoreTemplate.findResources('AWS::IAM::Policy')).flatMap(
      (policy) =>
        (policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
          .filter((statement) => JSON.stringify(statement.Action).includes('bedrock-agentcore:'))
          .map((statement) => flatten(statement.Resource)),
    );
    expect(new Set(everyAgentCoreResource)).toEqual(new Set([memoryArn]));
  });

  test('each memory function is bundled from its AgentCore entry: it starts with MEMORY_BACKEND=agentcore, and carries the AgentCore client, not Mem0’s', () => {
    for (const fn of memoryFunctions()) {
      const code = agentCoreTemplate.toJSON().Resources[logicalId(fn)].Properties.Code as { S3Key: string };
      const dir = path.join(agentCoreOutdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
      const bundle = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
      expect({
        fn: fn.node.id,
        agentCore: bundle.includes('bedrock-agentcore'),
        mem0: bundle.includes('api.mem0.ai'),
      }).toEqual({ fn: fn.node.id, agentCore: true, mem0: false });
      const environment = Object.fromEntries(
        Object.entries(variablesOf(fn)).map(([name, value]) => [
          name,
          typeof value === 'string' ? value : `resolved-${name.toLowerCase()}`,
        ]),
      );
      // A Mem0 bundle refuses to start here: MEMORY_BACKEND names the other backend.
      const loaded = spawnSync(
        process.execPath,
        [
          '-e',
          `const m = require(${JSON.stringify(path.join(dir, 'index.js'))}); process.stdout.write(typeof m.handler);`,
        ],
        {
          env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', POWERTOOLS_METRICS_DISABLED: 'true', ...environment },
          encoding: 'utf8',
          timeout: 20_000,
        },
      );
      expect({
        fn: fn.node.id,
        stdout: loaded.stdout,
        status: loaded.status,
        stderr: loaded.status ? loaded.stderr : '',
      }).toEqual({
        fn: fn.node.id,
        stdout: 'function',
        status: 0,
        stderr: '',
      });
    }
  });

  test('cdk-nag: no unacknowledged finding, and no acknowledgement the Mem0 stack does not also need', () => {
    expect(new AwsSolutionsChecks().validateScope(agentCore).violations).toEqual([]);
    const rules = (scope: IConstruct) =>
      new Set(
        scope.node
          .findAll()
          .flatMap((construct) =>
            construct.node.metadata
              .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
              .flatMap((entry) => Object.keys(entry.data as Record<string, string>)),
          )
          .map((id) => id.replace(/^Annotation::/, '').replace(/\[.*$/, '')),
      );
    expect([...rules(agentCore)].sort()).toEqual([...rules(stack)].sort());
  });
});

test('snapshot of the default stack (asset hashes normalised)', () => {
  expect(withoutAssetHashes(template.toJSON())).toMatchSnapshot();
});
