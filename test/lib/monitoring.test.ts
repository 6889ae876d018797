import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AgenticMemoryMonitoring, type AgenticMemoryMonitoringProps, handlerMetric } from '../../lib/monitoring';
import { METRIC } from '../../lib/contract';
import { bareStack, logicalId } from './cdk-test-app';

/** Monitoring over stand-in resources: one endpoint that degrades, one that does not. */
function monitored(overrides: Partial<AgenticMemoryMonitoringProps> = {}) {
  const stack = bareStack();
  const fn = (id: string) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
  const retrieveApi = new apigwv2.HttpApi(stack, 'RetrieveApi');
  const postCallApi = new apigwv2.HttpApi(stack, 'PostCallApi');
  const retrieve = fn('Retrieve');
  const ingest = fn('Ingest');
  const deadLetters = new sqs.Queue(stack, 'DeadLetters');
  const monitoring = new AgenticMemoryMonitoring(stack, 'Monitoring', {
    endpoints: [
      {
        title: 'In-call (retrieve)',
        api: retrieveApi,
        function: retrieve,
        serviceName: 'retrieve',
        latencyBudget: Duration.millis(1200),
        handlerMetrics: [METRIC.memoriesReturned, METRIC.degradedResponses],
        degradedAnswersThreshold: 3,
      },
      {
        title: 'Post-call (webhook)',
        api: postCallApi,
        function: fn('PostCall'),
        serviceName: 'post-call',
        latencyBudget: Duration.seconds(3),
        handlerMetrics: [METRIC.signatureRejections],
      },
    ],
    ingestFunction: ingest,
    ingestQueue: new sqs.Queue(stack, 'Queue'),
    ingestDeadLetterQueue: deadLetters,
    ...overrides,
  });
  return { stack, monitoring, template: Template.fromStack(stack), retrieveApi, retrieve, ingest, deadLetters };
}

const alarmsByMetric = (template: Template, metricName: string) =>
  Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: metricName } }));

describe('alarms', () => {
  test('per endpoint: 5xx rate, p99 over budget, throttles; degraded answers where it degrades; ingest: dead letters, errors, throttles', () => {
    const { monitoring, template } = monitored();
    // 2 endpoints x 3 + 1 degraded + 3 ingest
    template.resourceCountIs('AWS::CloudWatch::Alarm', 10);
    expect(monitoring.alarms).toHaveLength(10);
  });

  test('5xx rate: a metric-math percentage of requests over five minutes, 5% by default', () => {
    const { template, retrieveApi } = monitored();
    const rate = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((alarm) =>
      JSON.stringify(alarm.Properties.Metrics ?? []).includes('100 * errors / requests'),
    );
    expect(rate).toHaveLength(2);
    expect(rate[0].Properties).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(JSON.stringify(rate[0].Properties.Metrics)).toContain(logicalId(retrieveApi));
    expect(JSON.stringify(rate[0].Properties.Metrics)).toContain('"MetricName":"5xx"');
  });

  test('p99 latency over the budget for two five-minute periods', () => {
    const { template } = monitored();
    const [retrieve] = alarmsByMetric(template, 'Latency').filter((a) => a.Properties.Threshold === 1200);
    expect(retrieve.Properties).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      ExtendedStatistic: 'p99',
      Period: 300,
      EvaluationPeriods: 2,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  test('degraded answers read the handler metric: namespace AgenticMemory, dimension service', () => {
    const { template } = monitored();
    const [degraded] = alarmsByMetric(template, 'DegradedResponses');
    expect(degraded.Properties).toMatchObject({
      Namespace: 'AgenticMemory',
      Dimensions: [{ Name: 'service', Value: 'retrieve' }],
      Statistic: 'Sum',
      Threshold: 3,
    });
  });

  test('any dead letter raises an alarm', () => {
    const { template, deadLetters } = monitored();
    const [alarm] = alarmsByMetric(template, 'ApproximateNumberOfMessagesVisible');
    expect(alarm.Properties).toMatchObject({
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(deadLetters), 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  test('throttles of every function, errors of the worker', () => {
    const { template, ingest, retrieve } = monitored();
    const functionsOf = (metric: string) =>
      alarmsByMetric(template, metric).map(
        (a) => (a.Properties.Dimensions as { Value: { Ref: string } }[])[0].Value.Ref,
      );
    expect(functionsOf('Throttles')).toEqual(expect.arrayContaining([logicalId(retrieve), logicalId(ingest)]));
    expect(functionsOf('Throttles')).toHaveLength(3);
    expect(functionsOf('Errors')).toEqual([logicalId(ingest)]);
  });

  test('memory token rejections: an alarm on the in-call metric when a threshold is given, none otherwise', () => {
    expect(alarmsByMetric(monitored().template, 'MemoryTokenRejections')).toEqual([]);
    const { monitoring, template } = monitored({ memoryTokenRejectionsThreshold: 4 });
    expect(monitoring.alarms).toHaveLength(11);
    const [alarm] = alarmsByMetric(template, 'MemoryTokenRejections');
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AgenticMemory',
      Dimensions: [{ Name: 'service', Value: 'retrieve' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 4,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: expect.stringMatching(
        /^AgenticMemory: In-call \(retrieve\): 4 or more searches refused in five minutes for a forged, tampered, expired or mismatched X-Memory-Token/,
      ),
    });
  });

  test('missing data never alarms (no traffic is not an outage)', () => {
    const { template } = monitored();
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
    }
  });

  test('without a topic the alarms notify no one; with one, every alarm and OK goes to it', () => {
    const quiet = monitored().template;
    for (const alarm of Object.values(quiet.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
      expect(alarm.Properties.OKActions).toBeUndefined();
    }
    const topicStack = new Stack();
    const topic = sns.Topic.fromTopicArn(topicStack, 'Topic', 'arn:aws:sns:us-east-1:111111111111:alarms');
    const loud = monitored({ alarmTopic: topic }).template;
    for (const alarm of Object.values(loud.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual(['arn:aws:sns:us-east-1:111111111111:alarms']);
      expect(alarm.Properties.OKActions).toEqual(['arn:aws:sns:us-east-1:111111111111:alarms']);
    }
  });
});

describe('dashboard', () => {
  function body(template: Template): string {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    return JSON.stringify(dashboard.Properties.DashboardBody);
  }

  test('one dashboard, named when asked', () => {
    monitored().template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    monitored({ dashboardName: 'agentic-memory' }).template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'agentic-memory',
    });
  });

  test('per endpoint: requests, errors, p50/p90/p99 latency and the handler’s outcomes', () => {
    const text = body(monitored().template);
    for (const title of ['In-call (retrieve)', 'Post-call (webhook)']) {
      for (const widget of ['requests', 'errors', 'latency (ms)', 'outcomes'])
        expect(text).toContain(`${title}: ${widget}`);
    }
    for (const stat of ['p50', 'p90', 'p99']) expect(text).toContain(`\\"stat\\":\\"${stat}\\"`);
    expect(text).toContain('\\"AgenticMemory\\",\\"MemoriesReturned\\",\\"service\\",\\"retrieve\\"');
    expect(text).toContain('\\"AgenticMemory\\",\\"DegradedResponses\\",\\"service\\",\\"retrieve\\"');
    expect(text).toContain('\\"AgenticMemory\\",\\"SignatureRejections\\",\\"service\\",\\"post-call\\"');
  });

  test('ingest outcomes, queue age, dead letters, Mem0 latency and the alarm status', () => {
    const text = body(monitored().template);
    for (const metric of ['IngestSucceeded', 'IngestFailed', 'IngestSkipped', 'MemoriesWritten']) {
      expect(text).toContain(`\\"AgenticMemory\\",\\"${metric}\\",\\"service\\",\\"ingest\\"`);
    }
    expect(text).toContain('ApproximateAgeOfOldestMessage');
    expect(text).toContain('Ingest dead-letter queue: messages');
    expect(text).toContain('\\"AgenticMemory\\",\\"MemoryStoreLatency\\",\\"service\\",\\"retrieve\\"');
    expect(text).toContain('\\"type\\":\\"alarm\\"');
  });

  test('calls without a memory identity and withheld numbers, per function that meets callers', () => {
    const text = body(monitored().template);
    expect(text).toContain('Calls without a memory identity');
    for (const service of ['client-data', 'retrieve', 'ingest']) {
      for (const metric of ['CallsWithoutIdentity', 'WithheldCallerIds']) {
        expect(text).toContain(`\\"AgenticMemory\\",\\"${metric}\\",\\"service\\",\\"${service}\\"`);
      }
    }
  });

  test('memory token rejections, with the alarm threshold drawn when there is an alarm', () => {
    const quiet = body(monitored().template);
    expect(quiet).toContain('In-call: memory token rejections');
    expect(quiet).toContain('\\"AgenticMemory\\",\\"MemoryTokenRejections\\",\\"service\\",\\"retrieve\\"');
    expect(quiet).not.toContain('\\"label\\":\\"alarm\\"');
    const alarmed = body(monitored({ memoryTokenRejectionsThreshold: 4 }).template);
    expect(alarmed).toContain('{\\"value\\":4,\\"label\\":\\"alarm\\"');
  });
});

test('handlerMetric: the handlers’ namespace and service dimension', () => {
  const metric = handlerMetric('ingest', METRIC.ingestFailed);
  expect(metric.namespace).toBe('AgenticMemory');
  expect(metric.dimensions).toEqual({ service: 'ingest' });
  expect(metric.statistic).toBe('Sum');
  expect(metric.period.toSeconds()).toBe(300);
});
