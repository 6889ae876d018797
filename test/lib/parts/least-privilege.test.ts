import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { FunctionServiceName, RetrieveAuth } from '../../../lib/contract';
import { MemoryFunction } from '../../../lib/memory-function';
import { ArchiveBucket } from '../../../lib/parts/archive-bucket';
import {
  grantInCall,
  grantIngestWorker,
  grantPostCall,
  grantPreCall,
  grantRetention,
} from '../../../lib/parts/least-privilege';
import { MemorySecrets } from '../../../lib/parts/memory-secrets';
import { logicalId, permissionsOf } from '../cdk-test-app';
import { partHost } from './part-host';

/** A function, the real secrets and archive, and what the function may do once `grant` has run. */
function granted<S extends FunctionServiceName>(
  serviceName: S,
  grant: (fn: MemoryFunction<S>, secrets: MemorySecrets, archive: ArchiveBucket) => void,
  secretsProps: ConstructorParameters<typeof MemorySecrets>[1] = {},
) {
  const { stack, scope } = partHost();
  const archive = new ArchiveBucket(scope, {});
  const secrets = new MemorySecrets(scope, secretsProps);
  const fn = functionIn(scope, serviceName);
  grant(fn, secrets, archive);
  const permissions = permissionsOf(Template.fromStack(stack), logicalId(fn.executionRole)).filter(
    (permission) => !permission.startsWith('logs:') && !permission.startsWith('xray:'),
  );
  const bucket = `<${logicalId(archive.bucket)}.Arn>`;
  const read = (secret: secretsmanager.ISecret) => [
    `secretsmanager:DescribeSecret on <${logicalId(secret)}>`,
    `secretsmanager:GetSecretValue on <${logicalId(secret)}>`,
  ];
  return { permissions, secrets, bucket, read };
}

function functionIn<S extends FunctionServiceName>(scope: Construct, serviceName: S): MemoryFunction<S> {
  return new MemoryFunction<S>(scope, 'Function', {
    serviceName,
    description: 'test',
    memorySize: 128,
    timeout: Duration.seconds(3),
  });
}

test('pre-call: the workspace, memory token and Mem0 keys; writes client-data/ only', () => {
  const { permissions, secrets, bucket, read } = granted('client-data', grantPreCall);
  expect(permissions).toEqual(
    [
      ...read(secrets.workspaceKey),
      ...read(secrets.memoryTokenKey),
      ...read(secrets.mem0ApiKey),
      `s3:PutObject on ${bucket}/client-data/*`,
    ].sort(),
  );
});

test.each([
  ['token', ['memoryTokenKey', 'mem0ApiKey']],
  ['token-or-key', ['memoryTokenKey', 'retrieveApiKey', 'mem0ApiKey']],
  ['key', ['retrieveApiKey', 'mem0ApiKey']],
] as const)('in-call, retrieveAuth %s: only the keys that mode checks, and Mem0’s; no archive', (mode, keys) => {
  const { permissions, secrets, read } = granted('retrieve', (fn, s) => grantInCall(fn, s, mode as RetrieveAuth));
  expect(permissions).toEqual(keys.flatMap((key) => read(secrets[key])).sort());
});

test('post-call: the HMAC key; writes post-call/raw/ and post-call/audio/; no Mem0', () => {
  const { permissions, secrets, bucket, read } = granted('post-call', grantPostCall);
  expect(permissions).toEqual(
    [
      ...read(secrets.hmacKey),
      `s3:PutObject on ${bucket}/post-call/audio/*`,
      `s3:PutObject on ${bucket}/post-call/raw/*`,
    ].sort(),
  );
});

test('ingest worker: the Mem0 key, reads post-call/raw/, writes post-call/', () => {
  const { permissions, secrets, bucket, read } = granted('ingest', grantIngestWorker);
  expect(permissions).toEqual(
    [
      ...read(secrets.mem0ApiKey),
      `s3:GetObject on ${bucket}/post-call/raw/*`,
      `s3:PutObject on ${bucket}/post-call/*`,
    ].sort(),
  );
});

test('ingest worker with recording downloads: also the ElevenLabs key, and the recordings (write, look up, abort)', () => {
  const { permissions, secrets, bucket, read } = granted('ingest', grantIngestWorker, { downloadRecordings: true });
  expect(permissions).toEqual(
    [
      ...read(secrets.mem0ApiKey),
      ...read(secrets.elevenLabsApiKey!),
      `s3:GetObject on ${bucket}/post-call/raw/*`,
      `s3:PutObject on ${bucket}/post-call/*`,
      `s3:PutObject on ${bucket}/post-call/audio/*`,
      `s3:GetObject on ${bucket}/post-call/audio/*`,
      `s3:AbortMultipartUpload on ${bucket}/post-call/audio/*`,
    ].sort(),
  );
});

test('retention job: the Mem0 key only', () => {
  const { permissions, secrets, read } = granted('retention', (fn, s) => grantRetention(fn, s));
  expect(permissions).toEqual(read(secrets.mem0ApiKey).sort());
});
