import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { ENV } from '../../../lib/contract';
import { ArchiveBucket } from '../../../lib/parts/archive-bucket';
import { IngestPipeline, type IngestPipelineProps } from '../../../lib/parts/ingest-pipeline';
import { MemorySecrets } from '../../../lib/parts/memory-secrets';
import { logicalId, permissionsOf } from '../cdk-test-app';
import { acknowledgementsOn, memoryStoreOf, nagViolations, partHost } from './part-host';

function pipelineOf(
  props: Partial<IngestPipelineProps> = {},
  secretsProps: ConstructorParameters<typeof MemorySecrets>[1] = {},
) {
  const { stack, scope } = partHost();
  const archive = new ArchiveBucket(scope, {});
  const secrets = new MemorySecrets(scope, secretsProps);
  const pipeline = new IngestPipeline(scope, {
    archive,
    secrets,
    memoryStore: memoryStoreOf(scope, secretsProps, secrets).store,
    environment: (table) => ({ [ENV.idempotencyTable]: table.tableName }),
    ...props,
  });
  return { stack, scope, archive, secrets, pipeline, template: Template.fromStack(stack) };
}

const resourceOf = (template: Template, construct: Parameters<typeof logicalId>[0]) =>
  template.toJSON().Resources[logicalId(construct)];

describe('defaults', () => {
  const { stack, scope, archive, pipeline, template } = pipelineOf();

  test('in the owner’s scope, under the logical ids of a deployed AgenticMemory', () => {
    expect(
      [pipeline.idempotencyTable, pipeline.worker, pipeline.queue, pipeline.deadLetterQueue].map(logicalId),
    ).toEqual([
      'MemoryIdempotencyTableB7D13B1C',
      'MemoryIngestFunctionAC9D6B12',
      'MemoryIngestQueueB60F68FA',
      'MemoryIngestDeadLetterQueueCF5A650B',
    ]);
  });

  test('the idempotency table: Powertools’ key and TTL, on demand, recoverable, encrypted, retained', () => {
    expect(resourceOf(template, pipeline.idempotencyTable)).toMatchObject({
      Properties: {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
      DeletionPolicy: 'Retain',
    });
  });

  test('the worker is told which table, and may read and write its items only', () => {
    expect(resourceOf(template, pipeline.worker).Properties.Environment.Variables[ENV.idempotencyTable]).toEqual({
      Ref: logicalId(pipeline.idempotencyTable),
    });
    const table = `<${logicalId(pipeline.idempotencyTable)}.Arn>`;
    expect(
      permissionsOf(template, logicalId(pipeline.worker.executionRole)).filter((p) => p.startsWith('dynamodb:')),
    ).toEqual(['DeleteItem', 'GetItem', 'PutItem', 'UpdateItem'].map((action) => `dynamodb:${action} on ${table}`));
  });

  test('only post-call/raw/*.json creations in the archive notify the queue', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: logicalId(archive.bucket) },
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: {
              Key: {
                FilterRules: Match.arrayEquals([
                  { Name: 'suffix', Value: '.json' },
                  { Name: 'prefix', Value: 'post-call/raw/' },
                ]),
              },
            },
            QueueArn: { 'Fn::GetAtt': [logicalId(pipeline.queue), 'Arn'] },
          },
        ],
      },
    });
  });

  test('queue: encrypted, TLS only, visible again after six worker timeouts, dead letters after five receives', () => {
    expect(resourceOf(template, pipeline.queue).Properties).toEqual({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * pipeline.worker.timeout!.toSeconds(),
      MessageRetentionPeriod: 4 * 24 * 3600,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(pipeline.deadLetterQueue), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    expect(resourceOf(template, pipeline.deadLetterQueue).Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    for (const queue of [pipeline.queue, pipeline.deadLetterQueue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalId(queue) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  test('the worker takes batches of five, reports failed records one by one, five workers at most', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(pipeline.queue), 'Arn'] },
      FunctionName: { Ref: logicalId(pipeline.worker) },
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  test('the stack’s bucket-notification handler (CDK’s) is acknowledged where it lives; no finding left', () => {
    const handler = Stack.of(scope).node.findChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    expect(Object.keys(acknowledgementsOn(handler))).toEqual([
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    ]);
    expect(nagViolations(stack)).toEqual([]);
  });
});

test('recording downloads: the worker has fifteen minutes, and the queue waits six times that', () => {
  const { pipeline, template } = pipelineOf({}, { downloadRecordings: true });
  expect(resourceOf(template, pipeline.worker).Properties.Timeout).toBe(900);
  expect(resourceOf(template, pipeline.queue).Properties.VisibilityTimeout).toBe(5400);
});

test('ingestMaxConcurrency, reserved concurrency and the removal policy', () => {
  const { pipeline, template } = pipelineOf({
    ingestMaxConcurrency: 12,
    reservedConcurrency: { ingest: 20, retrieve: 3 },
    removalPolicy: RemovalPolicy.DESTROY,
  });
  template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 12 } });
  expect(resourceOf(template, pipeline.worker).Properties.ReservedConcurrentExecutions).toBe(20);
  expect(resourceOf(template, pipeline.idempotencyTable).DeletionPolicy).toBe('Delete');
});

test('two pipelines in one stack share CDK’s notification handler: still no finding', () => {
  const { stack } = partHost();
  for (const id of ['First', 'Second']) {
    const scope = new Construct(stack, id);
    const archive = new ArchiveBucket(scope, {});
    const secrets = new MemorySecrets(scope, {});
    new IngestPipeline(scope, {
      archive,
      secrets,
      memoryStore: memoryStoreOf(scope, {}, secrets).store,
      environment: () => ({}),
    });
  }
  expect(nagViolations(stack)).toEqual([]);
});
