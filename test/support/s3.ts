import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import S3rver from 's3rver';
import { S3Archive, createS3Client } from '../../lambdas/shared/archive/archive';

/** The only access key s3rver accepts (its hard-coded dummy account). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface LocalS3 {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  bucket: string;
  /** The temp directory s3rver stores in; removed by close(). */
  directory: string;
  s3: S3Client;
  archive: S3Archive;
  /** Every key under `prefix`, sorted. */
  listKeys(prefix?: string): Promise<string[]>;
  getObject(key: string): Promise<{ body: Buffer; contentType?: string }>;
  /**
   * Calls `listener` with an S3 notification, shaped and key-encoded as AWS delivers it, for each
   * object written. Returns the unsubscribe function. s3rver emits before it answers the PUT, so
   * the event has fired by the time the write resolves.
   */
  onObjectCreated(listener: (event: S3Event) => void): () => void;
  /** Stops the server and deletes its directory. */
  close(): Promise<void>;
}

/**
 * Starts a real S3-protocol server (s3rver) on 127.0.0.1, on a free port, storing in a fresh temp
 * directory, with one bucket; its client signs with s3rver's dummy key (any other is refused).
 */
export async function startLocalS3(options: { bucket?: string } = {}): Promise<LocalS3> {
  const bucket = options.bucket ?? 'agentic-memory-archive';
  const directory = await mkdtemp(path.join(tmpdir(), 'agentic-memory-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const s3 = createS3Client({ endpoint, region: 'us-east-1', credentials: S3RVER_CREDENTIALS });

  return {
    endpoint,
    bucket,
    directory,
    s3,
    archive: new S3Archive(s3, bucket),

    async listKeys(prefix) {
      // ListObjects v1 paged by Marker: on a truncated v2 listing s3rver mints a continuation token
      // with DES, which Node 20's OpenSSL 3 refuses, and answers 500.
      const keys: string[] = [];
      let truncated = true;
      while (truncated) {
        const page = await s3.send(
          new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, Marker: keys[keys.length - 1] }),
        );
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
        truncated = (page.IsTruncated ?? false) && (page.Contents?.length ?? 0) > 0;
      }
      return keys.sort();
    },

    async getObject(key) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      return { body, contentType: object.ContentType };
    },

    onObjectCreated(listener) {
      const forward = (event: S3rver.ObjectEvent) => {
        const created = event.Records.filter((record) => record.eventName.startsWith('ObjectCreated:'));
        if (created.length > 0) listener({ Records: created.map(asAwsRecord) });
      };
      server.on('event', forward);
      return () => {
        server.off('event', forward);
      };
    },

    async close() {
      s3.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** s3rver puts the decoded key in its records (and spaces in the ARN); AWS URL-encodes the key, form-style. */
function asAwsRecord(record: S3rver.ObjectEvent['Records'][number]): S3EventRecord {
  const object = record.s3.object;
  return {
    ...record,
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
