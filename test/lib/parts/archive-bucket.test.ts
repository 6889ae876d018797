import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ArchiveBucket, type ArchiveBucketProps } from '../../../lib/parts/archive-bucket';
import { MemoryFunction } from '../../../lib/memory-function';
import { cdkJsonContext, logicalId, permissionsOf } from '../cdk-test-app';
import { acknowledgementsOn, nagViolations, partHost } from './part-host';

function archiveOf(props: ArchiveBucketProps = {}) {
  const { stack, scope } = partHost();
  const archive = new ArchiveBucket(scope, props);
  return { stack, scope, archive, template: Template.fromStack(stack) };
}

const resourceOf = (template: Template, bucket: s3.IBucket) => template.toJSON().Resources[logicalId(bucket)];

describe('the bucket it creates', () => {
  const { scope, archive, template } = archiveOf();

  test('in the owner’s scope, under the logical ids of a deployed AgenticMemory', () => {
    expect(logicalId(archive.bucket)).toBe('MemoryArchiveBucketD24195D2');
    expect(logicalId(archive.accessLogsBucket!)).toBe('MemoryArchiveAccessLogsBucketB6930A4D');
    expect(scope.node.children.map((child) => child.node.id)).toEqual(['ArchiveAccessLogsBucket', 'ArchiveBucket']);
  });

  test('private, SSE-S3, versioned, ACLs disabled, retained, TLS only', () => {
    expect(resourceOf(template, archive.bucket)).toMatchObject({
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(archive.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('one lifecycle rule: Standard-IA at 30 days, Glacier at 90, replaced versions gone after 30, no expiry', () => {
    expect(resourceOf(template, archive.bucket).Properties.LifecycleConfiguration.Rules).toEqual([
      {
        Id: 'archive-tiering',
        Status: 'Enabled',
        Transitions: [
          { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
          { StorageClass: 'GLACIER', TransitionInDays: 90 },
        ],
        NoncurrentVersionExpiration: { NoncurrentDays: 30 },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      },
    ]);
  });

  test('server access logs under archive/ in a private log bucket that keeps them a year', () => {
    expect(resourceOf(template, archive.bucket).Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logicalId(archive.accessLogsBucket!) },
      LogFilePrefix: 'archive/',
    });
    expect(resourceOf(template, archive.accessLogsBucket!).Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: { Rules: [{ Id: 'expire-access-logs', ExpirationInDays: 365, Status: 'Enabled' }] },
    });
  });

  test('no cdk-nag finding', () => {
    expect(nagViolations(scope)).toEqual([]);
  });
});

test('access logs are delivered under a bucket policy even where the app’s feature flag says ACL', () => {
  const app = new App({
    context: {
      ...cdkJsonContext(),
      'aws:cdk:bundling-stacks': [],
      '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': false,
    },
  });
  const stack = new Stack(app, 'Test');
  const archive = new ArchiveBucket(new Construct(stack, 'Memory'), {});
  const template = Template.fromStack(stack);
  const logBucket = template.toJSON().Resources[logicalId(archive.accessLogsBucket!)];
  expect(logBucket.Properties.AccessControl).toBeUndefined();
  template.hasResourceProperties('AWS::S3::BucketPolicy', {
    Bucket: { Ref: logicalId(archive.accessLogsBucket!) },
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Effect: 'Allow',
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
        }),
      ]),
    },
  });
});

describe('lifecycle props', () => {
  test('tiering ages and an overall expiry move into the one rule', () => {
    const { archive, template } = archiveOf({
      archiveInfrequentAccessAfter: Duration.days(45),
      archiveGlacierAfter: Duration.days(180),
      archiveExpiration: Duration.days(730),
    });
    expect(resourceOf(template, archive.bucket).Properties.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({
        Id: 'archive-tiering',
        Transitions: [
          { StorageClass: 'STANDARD_IA', TransitionInDays: 45 },
          { StorageClass: 'GLACIER', TransitionInDays: 180 },
        ],
        ExpirationInDays: 730,
      }),
    ]);
  });

  test('each kind given in archiveRetention gets its own rule on its own prefix; the others none', () => {
    const { archive, template } = archiveOf({
      archiveRetention: { rawPayloads: Duration.days(30), preCallRecords: Duration.days(7) },
    });
    const rules = resourceOf(template, archive.bucket).Properties.LifecycleConfiguration.Rules;
    expect(rules.slice(1)).toEqual([
      {
        Id: 'expire-raw-payloads',
        Prefix: 'post-call/raw/',
        ExpirationInDays: 30,
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

  test('archiveBucketProps override the defaults', () => {
    const { archive, template } = archiveOf({ archiveBucketProps: { versioned: false, bucketName: 'team-archive' } });
    const properties = resourceOf(template, archive.bucket).Properties;
    expect(properties.BucketName).toBe('team-archive');
    expect(properties.VersioningConfiguration).toBeUndefined();
  });
});

describe('access logs off', () => {
  test('no log bucket; the finding is acknowledged with the reason', () => {
    const { scope, archive, template } = archiveOf({ archiveAccessLogs: false });
    expect(archive.accessLogsBucket).toBeUndefined();
    template.resourceCountIs('AWS::S3::Bucket', 1);
    expect(resourceOf(template, archive.bucket).Properties.LoggingConfiguration).toBeUndefined();
    expect(acknowledgementsOn(archive.bucket)['AwsSolutions-S1']).toMatch(/archiveAccessLogs: false/);
    expect(nagViolations(scope)).toEqual([]);
  });

  test('logs into a bucket given in archiveBucketProps: nothing to acknowledge', () => {
    const { stack, scope } = partHost();
    const own = new s3.Bucket(stack, 'OwnLogs');
    const archive = new ArchiveBucket(scope, {
      archiveAccessLogs: false,
      archiveBucketProps: { serverAccessLogsBucket: own },
    });
    expect(acknowledgementsOn(archive.bucket)['AwsSolutions-S1']).toBeUndefined();
    expect(resourceOf(Template.fromStack(stack), archive.bucket).Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logicalId(own) },
    });
  });
});

test('removalPolicy DESTROY: both buckets are deleted with the stack, emptied first', () => {
  const { archive, template } = archiveOf({ removalPolicy: RemovalPolicy.DESTROY });
  for (const bucket of [archive.bucket, archive.accessLogsBucket!]) {
    expect(resourceOf(template, bucket).DeletionPolicy).toBe('Delete');
    template.hasResourceProperties('Custom::S3AutoDeleteObjects', { BucketName: { Ref: logicalId(bucket) } });
  }
});

test('an existing bucket is used as it is: nothing created', () => {
  const { stack, scope } = partHost();
  const existing = s3.Bucket.fromBucketName(stack, 'Existing', 'team-archive');
  const archive = new ArchiveBucket(scope, { existingArchiveBucket: existing });
  expect(archive.bucket).toBe(existing);
  expect(archive.accessLogsBucket).toBeUndefined();
  expect(scope.node.children).toEqual([]);
  expect(stack.node.findAll().filter((construct) => construct instanceof s3.CfnBucket)).toEqual([]);
});

describe('allow', () => {
  function functionIn(scope: Construct) {
    return new MemoryFunction(scope, 'IngestFunction', {
      serviceName: 'ingest',
      description: 'test',
      memorySize: 128,
      timeout: Duration.seconds(3),
    });
  }

  test('one action on one prefix, acknowledged for cdk-nag by the flattened resource name', () => {
    const { stack, scope } = partHost();
    const archive = new ArchiveBucket(scope, {});
    const fn = functionIn(scope);
    archive.allow(fn, 's3:GetObject', 'post-call/raw/');
    const template = Template.fromStack(stack);
    const bucket = `<${logicalId(archive.bucket)}.Arn>`;
    expect(permissionsOf(template, logicalId(fn.executionRole)).filter((p) => p.startsWith('s3:'))).toEqual([
      `s3:GetObject on ${bucket}/post-call/raw/*`,
    ]);
    expect(acknowledgementsOn(fn.executionRole)[`AwsSolutions-IAM5[Resource::${bucket}/post-call/raw/*]`]).toMatch(
      /^The ingest function reads objects with generated keys under the archive's post-call\/raw\/ prefix only/,
    );
  });

  test('on a bucket with a KMS key: writing may encrypt, reading may decrypt, nothing more', () => {
    const { stack, scope } = partHost();
    const key = new kms.Key(stack, 'Key');
    const archive = new ArchiveBucket(scope, {
      existingArchiveBucket: new s3.Bucket(stack, 'Mine', { encryptionKey: key }),
    });
    const writer = functionIn(scope);
    const reader = new MemoryFunction(scope, 'ClientDataFunction', {
      serviceName: 'client-data',
      description: 'test',
      memorySize: 128,
      timeout: Duration.seconds(3),
    });
    archive.allow(writer, 's3:PutObject', 'post-call/');
    archive.allow(reader, 's3:GetObject', 'client-data/');
    const template = Template.fromStack(stack);
    const kmsActions = (fn: MemoryFunction) =>
      permissionsOf(template, logicalId(fn.executionRole))
        .filter((p) => p.startsWith('kms:'))
        .map((p) => p.replace(` on <${logicalId(key)}.Arn>`, ''));
    expect(kmsActions(writer)).toEqual(['kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*']);
    expect(kmsActions(reader)).toEqual(['kms:Decrypt']);
  });
});
