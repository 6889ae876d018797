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
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    on(event: 'event', listener: (event: S3rver.ObjectEvent) => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  export = S3rver;
}
