// s3rver ships no types: the part of its API the test support and the local stack use.
declare module 's3rver' {
  import type { EventEmitter } from 'node:events';
  import type { AddressInfo } from 'node:net';

  namespace S3rver {
    interface Options {
      address?: string;
      port?: number;
      directory?: string;
      silent?: boolean;
      resetOnClose?: boolean;
      allowMismatchedSignatures?: boolean;
      vhostBuckets?: boolean;
      configureBuckets?: Array<{ name: string; configs?: Array<string | Buffer> }>;
    }

    /** Emitted as 'event', one record each; `s3.object.key` is decoded (AWS URL-encodes it). */
    interface ObjectEvent {
      Records: Array<{
        eventVersion: string;
        eventSource: string;
        awsRegion: string;
        eventTime: string;
        eventName: string;
        userIdentity: { principalId: string };
        requestParameters: { sourceIPAddress: string };
        responseElements: { 'x-amz-request-id': string; 'x-amz-id-2': string };
        s3: {
          s3SchemaVersion: string;
          configurationId: string;
          bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
          object: { key: string; size?: number; eTag?: string; sequencer: string };
        };
      }>;
    }
  }

  class S3rver extends EventEmitter {
    constructor(options?: S3rver.Options);
    /** The object store every request uses (a FilesystemStore on `directory`); replaceable before run(). */
    store: object;
    /** Koa's request-context prototype, which carries the store to the controllers. */
    context: { store: object };
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    on(event: 'event', listener: (event: S3rver.ObjectEvent) => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  export = S3rver;
}

// s3rver's object model and filesystem store: the archive's atomic store (atomic-store.ts) extends it.
declare module 's3rver/lib/models/object' {
  import type { Readable } from 'node:stream';

  class S3Object {
    /** Keeps the allowed metadata (ALLOWED_METADATA, `x-amz-meta-*`, etag, size, date), with a default content type. */
    constructor(bucket: string, key: string, content: Readable | Buffer | null, metadata: Record<string, unknown>);
    bucket: string;
    key: string;
    content: Readable | Buffer | null;
    metadata: Record<string, string>;
    static ALLOWED_METADATA: string[];
  }

  export = S3Object;
}

declare module 's3rver/lib/stores/filesystem' {
  import type S3Object from 's3rver/lib/models/object';

  class FilesystemStore {
    constructor(rootDirectory: string);
    rootDirectory: string;
    /** `{root}/{bucket}/{key's folders}/{key's last part}._S3rver_{resource}` */
    getResourcePath(bucket: string, key?: string, resource?: string): string;
    getMetadata(bucket: string, key: string): Promise<Record<string, string>>;
    getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<S3Object | null>;
    putObject(object: S3Object): Promise<{ size: number; md5: string }>;
    copyObject(
      srcBucket: string,
      srcKey: string,
      destBucket: string,
      destKey: string,
      replacementMetadata?: Record<string, unknown>,
    ): Promise<Record<string, string>>;
    listBuckets(): Promise<Array<{ name: string }>>;
  }

  export = FilesystemStore;
}
