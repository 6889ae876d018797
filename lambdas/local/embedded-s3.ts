import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import S3rver from 's3rver';
import { S3Archive, createS3Client } from '../shared/archive/archive';
import { repairArchiveDirectory, type ArchiveRepair } from './archive-repair';
import { AtomicFilesystemStore } from './atomic-store';
import { LOCAL_REGION } from './lambda-context';

export const LOCAL_BUCKET = 'agentic-memory-archive';
/** The only key pair s3rver accepts (its built-in account): nothing here can reach AWS. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface StoredObject {
  key: string;
  size?: number;
  eTag?: string;
}

export interface EmbeddedS3 {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  bucket: string;
  archive: S3Archive;
  /** What the start found of writes a crash cut short, and what it did about them. */
  repair: ArchiveRepair;
  /** Where objects a crash left unreadable were moved to. */
  quarantineDirectory: string;
  /** Every object under `prefix`, in S3's (lexicographic) order. */
  listObjects(prefix: string): Promise<StoredObject[]>;
  /**
   * Calls `listener` with an S3 event notification, shaped and key-encoded as S3 delivers it, for
   * each object written. s3rver emits before it answers the PUT, so by the time a write has
   * resolved its notification has been delivered. Returns the unsubscribe function.
   */
  onObjectCreated(listener: (notification: S3Event) => void): () => void;
  close(): Promise<void>;
}

/**
 * An S3-protocol server (s3rver) on a loopback ephemeral port, storing under `directory`, with
 * the archive bucket created: the handlers' S3 code runs exactly as against AWS. Writes are
 * atomic (AtomicFilesystemStore), and before it serves, what a crash left half-written is
 * removed or set aside in `quarantineDirectory` (default: `{directory}-quarantine`), so a
 * process killed at any moment never stops the next start.
 */
export async function startEmbeddedS3(options: {
  directory: string;
  bucket?: string;
  quarantineDirectory?: string;
}): Promise<EmbeddedS3> {
  const bucket = options.bucket ?? LOCAL_BUCKET;
  const quarantineDirectory = options.quarantineDirectory ?? `${path.resolve(options.directory)}-quarantine`;
  await mkdir(options.directory, { recursive: true, mode: 0o700 });
  const repair = await repairArchiveDirectory(options.directory, quarantineDirectory);
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: options.directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  server.store = server.context.store = new AtomicFilesystemStore(options.directory);
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  // The SDK's notice about Node versions it will drop reads like a failure to a first-time user,
  // and this client only ever talks to the server above.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const s3 = createS3Client({ endpoint, region: LOCAL_REGION, credentials: S3RVER_CREDENTIALS });

  return {
    endpoint,
    bucket,
    archive: new S3Archive(s3, bucket),
    repair,
    quarantineDirectory,
    listObjects: (prefix) => listObjects(s3, bucket, prefix),
    onObjectCreated(listener) {
      const forward = (event: S3rver.ObjectEvent) => {
        const created = event.Records.filter((record) => record.eventName.startsWith('ObjectCreated:'));
        if (created.length > 0) listener({ Records: created.map(asS3Record) });
      };
      server.on('event', forward);
      return () => {
        server.off('event', forward);
      };
    },
    async close() {
      s3.destroy();
      await server.close();
    },
  };
}

/**
 * Lists with ListObjects v1, paged by Marker: on a truncated v2 listing s3rver mints its
 * continuation token with DES, which Node's OpenSSL 3 refuses (a 500 past 1,000 keys).
 */
async function listObjects(s3: S3Client, bucket: string, prefix: string): Promise<StoredObject[]> {
  const objects: StoredObject[] = [];
  let truncated = true;
  while (truncated) {
    const page = await s3.send(
      new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, Marker: objects[objects.length - 1]?.key }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key) objects.push({ key: object.Key, size: object.Size, eTag: object.ETag?.replace(/"/g, '') });
    }
    truncated = (page.IsTruncated ?? false) && (page.Contents?.length ?? 0) > 0;
  }
  return objects;
}

/**
 * The notification S3 would have sent when `key` was written: for an object that was written
 * while nothing was listening.
 */
export function objectCreatedNotification(
  bucket: string,
  object: { key: string; size?: number; eTag?: string },
): S3Event {
  const now = new Date();
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: LOCAL_REGION,
        eventTime: now.toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'local' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'local', 'x-amz-id-2': 'local' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'ingest',
          bucket: { name: bucket, ownerIdentity: { principalId: 'local' }, arn: `arn:aws:s3:::${bucket}` },
          object: {
            key: encodeS3EventKey(object.key),
            size: object.size ?? 0,
            eTag: object.eTag ?? '',
            sequencer: now.getTime().toString(16).toUpperCase(),
          },
        },
      },
    ],
  };
}

/** s3rver puts the decoded key in its records; S3 URL-encodes it, form-style (space as '+'). */
function asS3Record(record: S3rver.ObjectEvent['Records'][number]): S3EventRecord {
  const object = record.s3.object;
  return {
    ...record,
    awsRegion: LOCAL_REGION,
    s3: {
      ...record.s3,
      bucket: { ...record.s3.bucket, arn: `arn:aws:s3:::${record.s3.bucket.name}` },
      object: { ...object, key: encodeS3EventKey(object.key), size: object.size ?? 0, eTag: object.eTag ?? '' },
    },
  };
}

/** A key as S3 notifications carry it: decode with `decodeURIComponent(key.replace(/\+/g, ' '))`. */
export function encodeS3EventKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');
}
