import type { Readable } from 'node:stream';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

/** Where recordings of any length are streamed to. */
export interface RecordingArchive {
  has(key: string): Promise<boolean>;
  /** Streams `body` in parts (a multipart upload): the object appears whole, or not at all. */
  putStream(key: string, body: Readable, contentType: string, signal: AbortSignal): Promise<void>;
}

/** Parts of a streamed upload: four in flight bound the memory one recording takes to 32 MB. */
const PART_BYTES = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;

/**
 * The archive bucket for streamed recordings. Its own module (not S3Archive's) so that only the
 * ingest worker bundles the multipart uploader.
 */
export class S3RecordingArchive implements RecordingArchive {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async has(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw error;
    }
  }

  async putStream(key: string, body: Readable, contentType: string, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw signal.reason;
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => undefined);
    signal.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }
}
