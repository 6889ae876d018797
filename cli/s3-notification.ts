/**
 * The S3 object-created notification for an inbox key, as S3 puts it on the ingest queue (the
 * ingest worker reads `eventName` and the URL-encoded `s3.object.key`): replay sends these.
 */
export function objectCreatedEvent(bucket: string, key: string, region: string, at: Date = new Date()): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: at.toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'agentic-memory-replay' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'agentic-memory-replay',
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeS3EventKey(key), sequencer: at.getTime().toString(16).toUpperCase() },
        },
      },
    ],
  });
}

/** S3 URL-encodes keys in notifications, form-style (a space as '+'). */
function encodeS3EventKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');
}
