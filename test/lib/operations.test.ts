import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AgenticMemory, type AgenticMemoryProps } from '../../lib';
import { ENV } from '../../lib/contract';
import { ingestSettings, retentionSettings } from '../../lambdas/shared/config/settings';
import { bareStack, flatten, logicalId, permissionsOf } from './cdk-test-app';

/** The construct with `props`, without bundling. */
function build(
  props: AgenticMemoryProps,
  setup?: (stack: Stack) => AgenticMemoryProps,
): { memory: AgenticMemory; template: Template } {
  const stack = bareStack();
  const memory = new AgenticMemory(stack, 'Memory', { ...props, ...setup?.(stack) });
  return { memory, template: Template.fromStack(stack) };
}

function environmentOf(template: Template, fn: Parameters<typeof logicalId>[0]): Record<string, string> {
  const variables = template.toJSON().Resources[logicalId(fn)].Properties.Environment.Variables as Record<
    string,
    unknown
  >;
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, flatten(value)]));
}

describe('recordings of any length (downloadRecordings)', () => {
  test('off by default: no ElevenLabs secret, the ingest worker is not told of one', () => {
    const { memory, template } = build({});
    expect(memory.elevenLabsApiKeySecret).toBeUndefined();
    template.resourceCountIs('AWS::SecretsManager::Secret', 5);
    expect(environmentOf(template, memory.ingestFunction)[ENV.elevenLabsApiKeySecretId]).toBeUndefined();
  });

  test('on: a sixth secret for the operator to set, read by the ingest worker only', () => {
    const { memory, template } = build({
      downloadRecordings: true,
      elevenLabsApiHost: 'https://api.eu.residency.elevenlabs.io',
    });
    const secret = memory.elevenLabsApiKeySecret!;
    template.resourceCountIs('AWS::SecretsManager::Secret', 6);
    expect(template.toJSON().Resources[logicalId(secret)].Properties.Description).toMatch(/ElevenLabs API key/);
    const env = environmentOf(template, memory.ingestFunction);
    expect(env[ENV.elevenLabsApiKeySecretId]).toBe(`<${logicalId(secret)}>`);
    expect(env[ENV.elevenLabsApiHost]).toBe('https://api.eu.residency.elevenlabs.io');
    expect(() => ingestSettings(env)).not.toThrow();
    for (const fn of [memory.clientDataFunction, memory.retrieveFunction, memory.postCallFunction]) {
      expect(permissionsOf(template, logicalId(fn.executionRole)).join('\n')).not.toContain(logicalId(secret));
    }
  });

  test('on: the worker may stream into post-call/audio/* (multipart), look recordings up and abort its uploads', () => {
    const { memory, template } = build({ downloadRecordings: true });
    const bucket = `<${logicalId(memory.archiveBucket)}.Arn>`;
    const permissions = permissionsOf(template, logicalId(memory.ingestFunction.executionRole));
    expect(permissions).toEqual(
      expect.arrayContaining([
        `secretsmanager:GetSecretValue on <${logicalId(memory.elevenLabsApiKeySecret!)}>`,
        `s3:PutObject on ${bucket}/post-call/audio/*`,
        `s3:GetObject on ${bucket}/post-call/audio/*`,
        `s3:AbortMultipartUpload on ${bucket}/post-call/audio/*`,
        `s3:GetObject on ${bucket}/post-call/raw/*`,
        `s3:PutObject on ${bucket}/post-call/*`,
      ]),
    );
    expect(permissions.filter((p) => p.startsWith('s3:'))).toHaveLength(5);
  });

  test('on: the worker has time for five long recordings per batch; the queue hides a message six times as long', () => {
    const { memory, template } = build({ downloadRecordings: true });
    const resources = template.toJSON().Resources;
    expect(resources[logicalId(memory.ingestFunction)].Properties.Timeout).toBe(900);
    expect(resources[logicalId(memory.ingestQueue)].Properties.VisibilityTimeout).toBe(5400);
  });

  test('bring your own ElevenLabs API key secret', () => {
    const { memory, template } = build({}, (stack) => ({
      existingElevenLabsApiKeySecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Xi', 'team/elevenlabs'),
    }));
    template.resourceCountIs('AWS::SecretsManager::Secret', 5);
    expect(environmentOf(template, memory.ingestFunction)[ENV.elevenLabsApiKeySecretId]).toContain('team/elevenlabs');
  });

  test('contradictory props are refused at synth', () => {
    expect(() => build({ elevenLabsApiKeySecretProps: { secretName: 'x' } })).toThrow(/needs downloadRecordings: true/);
    expect(() =>
      build({ downloadRecordings: true, elevenLabsApiKeySecretProps: { secretName: 'x' } }, (stack) => ({
        existingElevenLabsApiKeySecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Xi', 'team/elevenlabs'),
      })),
    ).toThrow(/either existingElevenLabsApiKeySecret or elevenLabsApiKeySecretProps/);
  });
});

describe('retention', () => {
  const rules = (t: Template, m: AgenticMemory) =>
    t.toJSON().Resources[logicalId(m.archiveBucket)].Properties.LifecycleConfiguration.Rules as Array<
      Record<string, unknown>
    >;

  test('archive expiry per kind of object: one lifecycle rule per prefix', () => {
    const { memory, template } = build({
      archiveExpiration: Duration.days(730),
      archiveRetention: { rawPayloads: Duration.days(30), audio: Duration.days(90), preCallRecords: Duration.days(7) },
    });
    const [tiering, ...byPrefix] = rules(template, memory);
    expect(tiering).toMatchObject({ Id: 'archive-tiering', ExpirationInDays: 730 });
    expect(byPrefix).toEqual([
      {
        Id: 'expire-raw-payloads',
        Prefix: 'post-call/raw/',
        ExpirationInDays: 30,
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        Status: 'Enabled',
      },
      {
        Id: 'expire-audio',
        Prefix: 'post-call/audio/',
        ExpirationInDays: 90,
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        Status: 'Enabled',
      },
      {
        Id: 'expire-pre-call-records',
        Prefix: 'client-data/',
        ExpirationInDays: 7,
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        Status: 'Enabled',
      },
    ]);
  });

  test('only the kinds given get a rule', () => {
    const { memory, template } = build({ archiveRetention: { audio: Duration.days(14) } });
    expect(rules(template, memory).map((rule) => rule.Id)).toEqual(['archive-tiering', 'expire-audio']);
  });

  test('expiry must be whole days, and cannot be set on a bucket you bring', () => {
    expect(() => build({ archiveRetention: { audio: Duration.hours(36) } })).toThrow(
      /archiveRetention.audio must be whole days/,
    );
    expect(() => build({ memoryMaxAge: Duration.days(0) })).toThrow(/memoryMaxAge must be whole days from 1/);
    expect(() =>
      build({ archiveRetention: { audio: Duration.days(1) } }, (stack) => ({
        existingArchiveBucket: new s3.Bucket(stack, 'Mine'),
      })),
    ).toThrow(/existingArchiveBucket cannot be combined with archiveRetention/);
  });

  test('no memory retention job by default', () => {
    const { memory, template } = build({});
    expect(memory.retentionFunction).toBeUndefined();
    template.resourceCountIs('AWS::Events::Rule', 0);
  });

  test('memoryMaxAge: a daily scheduled function that reads the Mem0 key and nothing else', () => {
    const { memory, template } = build({ memoryMaxAge: Duration.days(365) });
    const fn = memory.retentionFunction!;
    expect(fn.serviceName).toBe('retention');
    const env = environmentOf(template, fn);
    expect(env[ENV.memoryMaxAgeDays]).toBe('365');
    expect(env[ENV.mem0ApiKeySecretId]).toBe(`<${logicalId(memory.mem0ApiKeySecret)}>`);
    expect(retentionSettings(env)).toEqual({ memoryMaxAgeDays: 365 });
    expect(template.toJSON().Resources[logicalId(fn)].Properties).toMatchObject({
      Timeout: 900,
      Runtime: 'nodejs24.x',
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(17 3 * * ? *)',
      Targets: [{ Arn: { 'Fn::GetAtt': [logicalId(fn), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } }],
    });
    const permissions = permissionsOf(template, logicalId(fn.executionRole));
    expect(permissions.filter((p) => !p.startsWith('logs:') && !p.startsWith('xray:'))).toEqual([
      `secretsmanager:DescribeSecret on <${logicalId(memory.mem0ApiKeySecret)}>`,
      `secretsmanager:GetSecretValue on <${logicalId(memory.mem0ApiKeySecret)}>`,
    ]);
  });

  test('a failed retention run raises an alarm that notifies the alarm topic', () => {
    const { memory, template } = build({ memoryMaxAge: Duration.days(30) }, (stack) => ({
      alarmTopic: new sns.Topic(stack, 'Ops'),
    }));
    const alarm = memory.alarms.find((a) => logicalId(a).includes('RetentionErrorsAlarm'));
    expect(alarm).toBeDefined();
    expect(template.toJSON().Resources[logicalId(alarm!)].Properties).toMatchObject({
      MetricName: 'Errors',
      Threshold: 1,
      AlarmActions: [{ Ref: expect.stringContaining('Ops') }],
    });
  });
});
