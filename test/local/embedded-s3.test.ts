import type { S3Event } from 'aws-lambda';
import {
  encodeS3EventKey,
  objectCreatedNotification,
  startEmbeddedS3,
  type EmbeddedS3,
} from '../../lambdas/local/embedded-s3';
import { archivedKeys } from '../../lambdas/ingest/handler';
import { removeHome, tempHome } from './local-stack-support';

describe('embedded S3', () => {
  let home: string;
  let s3: EmbeddedS3;

  beforeAll(async () => {
    home = await tempHome();
    s3 = await startEmbeddedS3({ directory: home });
  });
  afterAll(async () => {
    await s3.close();
    await removeHome(home);
  });

  it('stores objects and notifies with S3-encoded keys that the ingest handler decodes back', async () => {
    const events: S3Event[] = [];
    const unsubscribe = s3.onObjectCreated((event) => events.push(event));
    const key = 'post-call/raw/2026-11-21/conv a+b/post_call_transcription-0123456789abcdef.json';
    await s3.archive.putJson(key, '{"ok":true}');
    unsubscribe();

    expect(events).toHaveLength(1);
    const [record] = events[0].Records;
    expect(record).toMatchObject({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: s3.bucket } },
    });
    expect(record.s3.object.key).toBe(
      'post-call/raw/2026-11-21/conv+a%2Bb/post_call_transcription-0123456789abcdef.json',
    );
    expect(archivedKeys(JSON.stringify(events[0]))).toEqual([key]);
    expect(await s3.archive.getText(key)).toBe('{"ok":true}');
    expect((await s3.listObjects('post-call/raw/')).map((o) => o.key)).toEqual([key]);
  });

  it('builds the notification of an object written while nobody listened', () => {
    const key = 'post-call/raw/x y/z.json';
    expect(archivedKeys(JSON.stringify(objectCreatedNotification(s3.bucket, { key, size: 3 })))).toEqual([key]);
    expect(encodeS3EventKey('a b/c+d')).toBe('a+b/c%2Bd');
  });
});
