import { Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { removalPolicyOf, type AgenticMemoryProps } from '../agentic-memory-props';
import { ARCHIVE_PREFIX, RAW_POST_CALL_SUFFIX } from '../contract';
import type { MemoryFunction } from '../memory-function';
import { acknowledge } from '../nag';
import type { ArchiveBucket } from './archive-bucket';
import { grantIngestWorker, type MemoryStoreTarget } from './least-privilege';
import { createMemoryFunction, type MemoryFunctionSettings } from './memory-functions';
import type { MemorySecrets } from './memory-secrets';

const BATCH_SIZE = 5;
const MAX_RECEIVE_COUNT = 5;
const DEFAULT_MAX_CONCURRENCY = 5;

/**
 * With recording downloads the worker streams up to five recordings per batch, each under a
 * five-minute deadline (the handlers' RECORDING_DEADLINE_MS default).
 */
const TIMEOUT_WITH_RECORDINGS = Duration.minutes(15);

export type IngestPipelineProps = MemoryFunctionSettings &
  Pick<AgenticMemoryProps, 'reservedConcurrency' | 'ingestMaxConcurrency'> & {
    /** The archive the post-call payloads arrive in. */
    readonly archive: ArchiveBucket;
    /** The secrets (the worker reads ElevenLabs' with recording downloads). */
    readonly secrets: MemorySecrets;
    /** Where the worker writes memories. */
    readonly memoryStore: MemoryStoreTarget;
    /** The worker's environment, given the idempotency table. */
    readonly environment: (idempotencyTable: dynamodb.ITable) => Record<string, string>;
  };

/**
 * After the call: each `post-call/raw/*.json` the post-call function archives raises an S3
 * notification into a queue; the worker takes them in batches of five (at most
 * `ingestMaxConcurrency` at once), reports each failed record alone, and after five failed
 * receives a notification moves to a dead-letter queue (the payload itself stays in the
 * archive). An idempotency table keys each memory write by conversation and kind, so a
 * redelivered notification or a retried webhook writes no memory twice.
 *
 * Not a construct of its own: everything is created in `scope` (the AgenticMemory construct),
 * so that the logical ids stay those of a deployed stack.
 */
export class IngestPipeline {
  /** Idempotency records of the worker (Powertools idempotency). */
  public readonly idempotencyTable: dynamodb.Table;
  /** The worker: turns archived post-call payloads into memories. */
  public readonly worker: MemoryFunction;
  /** S3 `post-call/raw/` notifications, waiting for the worker. */
  public readonly queue: sqs.Queue;
  /** Notifications the worker failed five times. */
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, props: IngestPipelineProps) {
    // The Powertools defaults: key `id`, TTL `expiration`.
    this.idempotencyTable = new dynamodb.Table(scope, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: removalPolicyOf(props),
    });

    this.worker = createMemoryFunction(scope, 'IngestFunction', 'ingest', props, {
      environment: props.environment(this.idempotencyTable),
      timeout: props.secrets.elevenLabsApiKey ? TIMEOUT_WITH_RECORDINGS : undefined,
      reservedConcurrentExecutions: props.reservedConcurrency?.ingest,
    });
    grantIngestWorker(this.worker, props.secrets, props.archive, props.memoryStore);
    this.worker.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [this.idempotencyTable.tableArn],
      }),
    );

    this.deadLetterQueue = new sqs.Queue(scope, 'IngestDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(scope, 'IngestQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's guidance for a Lambda event source: at least six times the function's timeout.
      visibilityTimeout: Duration.seconds(this.worker.timeout!.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    props.archive.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.queue), {
      prefix: ARCHIVE_PREFIX.rawPostCall,
      suffix: RAW_POST_CALL_SUFFIX,
    });
    acknowledgeBucketNotificationsHandler(scope);
    this.worker.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: props.ingestMaxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
      }),
    );
  }
}

/**
 * S3 bucket notifications are configured by CDK's singleton custom resource (one per stack,
 * outside the construct): acknowledge its findings where it lives.
 */
function acknowledgeBucketNotificationsHandler(scope: Construct): void {
  const handler = Stack.of(scope).node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
  if (!handler) return;
  acknowledge(
    handler,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'CDK-owned custom resource that sets S3 bucket notifications at deploy time; its role and managed logging policy are defined by aws-cdk-lib, not by this construct.',
  );
}
