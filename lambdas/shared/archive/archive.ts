import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** The archive bucket, as the handlers use it. */
export interface Archive {
  putJson(key: string, body: string | Buffer): Promise<void>;
  putAudio(key: string, mp3: Buffer): Promise<void>;
  getText(key: string): Promise<string>;
}

export class S3Archive implements Archive {
  constructor(
    readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async putJson(key: string, body: string | Buffer): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' }),
    );
  }

  async putAudio(key: string, mp3: Buffer): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: mp3, ContentType: 'audio/mpeg' }));
  }

  /**
   * The object as text (`archivedText`): the inbox keeps a webhook's bytes exactly as signed,
   * a byte-order mark included, and its readers parse the text that follows it.
   */
  async getText(key: string): Promise<string> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!object.Body) throw new Error(`archive object ${key} has no body`);
    return archivedText(await object.Body.transformToByteArray());
  }
}

// WHATWG decoding drops one leading BOM (ignoreBOM: false) and, like Buffer, replaces bad bytes.
const utf8WithoutBom = new TextDecoder('utf-8', { ignoreBOM: false });

/** An archived object's bytes as text: UTF-8, without a leading byte-order mark. */
export function archivedText(bytes: Uint8Array): string {
  return utf8WithoutBom.decode(bytes);
}

/**
 * One S3 client per process. `endpoint` is set only off AWS (the local stack's embedded
 * S3 server, tests), which also needs path-style addressing. `credentials` likewise: on AWS
 * the default chain (the function's role) applies.
 */
export function createS3Client(
  options: { endpoint?: string; region?: string; credentials?: { accessKeyId: string; secretAccessKey: string } } = {},
): S3Client {
  return new S3Client({
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: 3,
  });
}
