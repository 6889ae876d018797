import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ENV } from '../../../lib/contract';
import { MemoryRetention, type MemoryRetentionProps } from '../../../lib/parts/memory-retention';
import { MemorySecrets } from '../../../lib/parts/memory-secrets';
import { logicalId, permissionsOf } from '../cdk-test-app';
import { memoryStoreOf, nagViolations, partHost } from './part-host';

function retentionOf(props: Partial<MemoryRetentionProps> = {}) {
  const { stack, scope } = partHost();
  const secrets = new MemorySecrets(scope, {});
  const retention = new MemoryRetention(scope, {
    memoryStore: memoryStoreOf(scope, {}, secrets).store,
    environment: { [ENV.memoryMaxAgeDays]: '30' },
    ...props,
  });
  return { stack, scope, secrets, retention, template: Template.fromStack(stack) };
}

const resourceOf = (template: Template, construct: Parameters<typeof logicalId>[0]) =>
  template.toJSON().Resources[logicalId(construct)];

describe('defaults', () => {
  const { scope, secrets, retention, template } = retentionOf();

  test('in the owner’s scope, under the ids the construct always gave them', () => {
    expect([retention.function, retention.schedule, retention.failedAlarm].map((c) => c.node.path)).toEqual([
      'Test/Memory/RetentionFunction',
      'Test/Memory/RetentionSchedule',
      'Test/Memory/RetentionErrorsAlarm',
    ]);
  });

  test('the retention handler, with the environment it was given, a quarter of an hour per run', () => {
    expect(retention.function.serviceName).toBe('retention');
    expect(resourceOf(template, retention.function).Properties).toMatchObject({
      Timeout: 900,
      MemorySize: 512,
      Environment: { Variables: { [ENV.memoryMaxAgeDays]: '30' } },
    });
  });

  test('runs daily at 03:17 UTC, retried twice', () => {
    expect(resourceOf(template, retention.schedule).Properties).toMatchObject({
      ScheduleExpression: 'cron(17 3 * * ? *)',
      State: 'ENABLED',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [logicalId(retention.function), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2 },
        },
      ],
    });
  });

  test('reads the Mem0 key, and nothing else but its logs and traces', () => {
    const secret = `<${logicalId(secrets.mem0ApiKey!)}>`;
    const logGroup = `<${logicalId(retention.function.functionLogGroup)}.Arn>`;
    expect(permissionsOf(template, logicalId(retention.function.executionRole))).toEqual(
      [
        `logs:CreateLogStream on ${logGroup}`,
        `logs:PutLogEvents on ${logGroup}`,
        'xray:PutTelemetryRecords on *',
        'xray:PutTraceSegments on *',
        `secretsmanager:DescribeSecret on ${secret}`,
        `secretsmanager:GetSecretValue on ${secret}`,
      ].sort(),
    );
  });

  test('a failed run raises an alarm within the hour; no notification without a topic', () => {
    expect(resourceOf(template, retention.failedAlarm).Properties).toMatchObject({
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(retention.function) } }],
      Period: 3600,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: expect.stringMatching(/memories older than memoryMaxAge may remain/),
    });
    expect(resourceOf(template, retention.failedAlarm).Properties.AlarmActions).toBeUndefined();
  });

  test('no cdk-nag finding', () => {
    expect(nagViolations(scope)).toEqual([]);
  });
});

test('with an alarm topic, alarm and recovery are both sent to it', () => {
  const { stack, scope } = partHost();
  const topic = new sns.Topic(stack, 'Alarms');
  const retention = new MemoryRetention(scope, {
    memoryStore: memoryStoreOf(scope, {}, new MemorySecrets(scope, {})).store,
    environment: {},
    alarmTopic: topic,
  });
  const properties = resourceOf(Template.fromStack(stack), retention.failedAlarm).Properties;
  expect(properties.AlarmActions).toEqual([{ Ref: logicalId(topic) }]);
  expect(properties.OKActions).toEqual([{ Ref: logicalId(topic) }]);
});

test('its function takes the shared settings (here: log retention)', () => {
  const { retention, template } = retentionOf({ logRetention: logs.RetentionDays.ONE_MONTH });
  expect(resourceOf(template, retention.function.functionLogGroup).Properties.RetentionInDays).toBe(30);
});
