import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { removalPolicyOf, type AgenticMemoryProps, type ArchiveRetention } from '../agentic-memory-props';
import { ARCHIVE_PREFIX, type FunctionServiceName } from '../contract';
import type { MemoryFunction } from '../memory-function';
import { acknowledge, acknowledgeWildcardResource } from '../nag';

export type ArchiveBucketProps = Pick<
  AgenticMemoryProps,
  | 'existingArchiveBucket'
  | 'archiveBucketProps'
  | 'archiveInfrequentAccessAfter'
  | 'archiveGlacierAfter'
  | 'archiveExpiration'
  | 'archiveRetention'
  | 'archiveAccessLogs'
  | 'removalPolicy'
>;

/** Server access logs are delivered under a bucket policy rather than an ACL (feature flag). */
const S3_ACCESS_LOGS_USE_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';
const NONCURRENT_VERSION_EXPIRATION = Duration.days(30);

const ACTION_VERB = {
  's3:GetObject': 'reads',
  's3:PutObject': 'writes',
  's3:AbortMultipartUpload': 'aborts unfinished uploads of',
} as const;

/** The S3 actions a function may be allowed on an archive prefix. */
export type ArchiveAction = keyof typeof ACTION_VERB;

/**
 * The archive: every pre-call record and post-call payload as received. Either the caller's
 * bucket, used as it is, or a bucket created with secure defaults (all public access blocked,
 * TLS enforced, SSE-S3, versioned) and a lifecycle (Standard-IA at 30 days, Glacier at 90,
 * optional expiry overall and per kind of object), its server access logs in a second bucket.
 *
 * Not a construct of its own: the buckets are created in `scope` (the AgenticMemory construct),
 * so that their logical ids stay those of a deployed stack. Create it before anything else in
 * `scope`: it sets a context value there, which CDK allows only while `scope` has no children.
 */
export class ArchiveBucket {
  /** The archive bucket (created or yours). */
  public readonly bucket: s3.IBucket;
  /** The bucket receiving the archive's server access logs, when one was created. */
  public readonly accessLogsBucket?: s3.Bucket;

  constructor(scope: Construct, props: ArchiveBucketProps) {
    // Whatever the app's feature flags, access logs are delivered under a bucket policy, so ACLs
    // stay disabled on the log bucket (BucketOwnerEnforced).
    scope.node.setContext(S3_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    if (props.existingArchiveBucket) {
      this.bucket = props.existingArchiveBucket;
      return;
    }
    const removalPolicy = removalPolicyOf(props);
    this.accessLogsBucket =
      props.archiveAccessLogs === false ? undefined : createAccessLogsBucket(scope, removalPolicy);
    this.bucket = createArchiveBucket(scope, props, removalPolicy, this.accessLogsBucket);
  }

  /**
   * Allows one function one S3 action on one key prefix (plus the bucket's KMS key, if it has
   * one), and acknowledges the prefix wildcard for cdk-nag.
   */
  public allow(fn: MemoryFunction<FunctionServiceName>, action: ArchiveAction, prefix: string): void {
    const resource = this.bucket.arnForObjects(`${prefix}*`);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: [action], resources: [resource] }));
    if (action === 's3:PutObject') this.bucket.encryptionKey?.grantEncrypt(fn);
    else this.bucket.encryptionKey?.grantDecrypt(fn);
    acknowledgeWildcardResource(
      fn.executionRole,
      resource,
      `The ${fn.serviceName} function ${ACTION_VERB[action]} objects with generated keys under the archive's ${prefix} prefix only; a key prefix needs a trailing wildcard.`,
    );
  }
}

function createAccessLogsBucket(scope: Construct, removalPolicy: RemovalPolicy): s3.Bucket {
  return new s3.Bucket(scope, 'ArchiveAccessLogsBucket', {
    // Server access log delivery supports SSE-S3 only.
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
    removalPolicy,
    autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
  });
}

function createArchiveBucket(
  scope: Construct,
  props: ArchiveBucketProps,
  removalPolicy: RemovalPolicy,
  accessLogs: s3.IBucket | undefined,
): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'ArchiveBucket', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    versioned: true,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: accessLogs ? 'archive/' : undefined,
    lifecycleRules: [
      {
        id: 'archive-tiering',
        transitions: [
          {
            storageClass: s3.StorageClass.INFREQUENT_ACCESS,
            transitionAfter: props.archiveInfrequentAccessAfter ?? Duration.days(30),
          },
          { storageClass: s3.StorageClass.GLACIER, transitionAfter: props.archiveGlacierAfter ?? Duration.days(90) },
        ],
        expiration: props.archiveExpiration,
        noncurrentVersionExpiration: NONCURRENT_VERSION_EXPIRATION,
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      },
      ...retentionRules(props.archiveRetention),
    ],
    removalPolicy,
    autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    ...props.archiveBucketProps,
  });
  if (!accessLogs && !props.archiveBucketProps?.serverAccessLogsBucket) {
    acknowledge(
      bucket,
      'AwsSolutions-S1',
      'Server access logging of the archive was turned off by the operator (archiveAccessLogs: false); CloudTrail data events remain available for auditing object access.',
    );
  }
  return bucket;
}

/** One lifecycle rule per kind of archived object with its own expiry. */
function retentionRules(retention: ArchiveRetention | undefined): s3.LifecycleRule[] {
  const prefixes: Array<[keyof ArchiveRetention, string, string]> = [
    ['rawPayloads', 'expire-raw-payloads', ARCHIVE_PREFIX.rawPostCall],
    ['audio', 'expire-audio', ARCHIVE_PREFIX.audio],
    ['preCallRecords', 'expire-pre-call-records', ARCHIVE_PREFIX.clientData],
  ];
  return prefixes
    .filter(([kind]) => retention?.[kind] !== undefined)
    .map(([kind, id, prefix]) => ({
      id,
      prefix,
      expiration: retention?.[kind],
      noncurrentVersionExpiration: Duration.days(1),
    }));
}
