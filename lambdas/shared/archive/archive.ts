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

  async getText(key: string): Promise<string> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!object.Body) throw new Error(`archive object ${key} has no body`);
    return object.Body.transformToString('utf-8');
  }
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
