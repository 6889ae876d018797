import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { S3RVER_CREDENTIALS, encodeS3EventKey, startEmbeddedS3 } from '../../lambdas/local/embedded-s3';
import { S3Archive, createS3Client } from '../../lambdas/shared/archive/archive';

export { S3RVER_CREDENTIALS, encodeS3EventKey };

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
  /** S3 notifications, shaped and key-encoded as AWS delivers them, for each object written. */
  onObjectCreated(listener: (event: S3Event) => void): () => void;
  /** Stops the server and deletes its directory. */
  close(): Promise<void>;
}

/**
 * The local stack's embedded S3 (a real s3rver on 127.0.0.1) in a fresh temp directory, plus
 * the reads tests need; its client signs with s3rver's dummy key (any other is refused).
 */
export async function startLocalS3(options: { bucket?: string } = {}): Promise<LocalS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 'agentic-memory-s3-'));
  const embedded = await startEmbeddedS3({ directory, bucket: options.bucket });
  const s3 = createS3Client({ endpoint: embedded.endpoint, region: 'us-east-1', credentials: S3RVER_CREDENTIALS });

  return {
    endpoint: embedded.endpoint,
    bucket: embedded.bucket,
    directory,
    s3,
    archive: embedded.archive,
    async listKeys(prefix = '') {
      return (await embedded.listObjects(prefix)).map((object) => object.key).sort();
    },
    async getObject(key) {
      const object = await s3.send(new GetObjectCommand({ Bucket: embedded.bucket, Key: key }));
      const body = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      return { body, contentType: object.ContentType };
    },
    onObjectCreated: (listener) => embedded.onObjectCreated(listener),
    async close() {
      s3.destroy();
      await embedded.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
