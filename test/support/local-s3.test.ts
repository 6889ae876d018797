import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { S3Event } from 'aws-lambda';
import S3rver from 's3rver';
import { S3Archive, createS3Client } from '../../lambdas/shared/archive/archive';
import { type LocalS3, S3RVER_CREDENTIALS, encodeS3EventKey, startLocalS3 } from './s3';

// The ingest handler decodes notification keys the AWS way; the local stack must hand it the same.
const decodeAsLambda = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

const AWKWARD_KEY = 'post-call/+16125550142/conv a:b@c/transcript.json';

describe('test support: local S3 (s3rver on loopback)', () => {
  let local: LocalS3;

  beforeAll(async () => {
    local = await startLocalS3({ bucket: 'support-test' });
  });
  afterAll(async () => {
    await local.close();
  });

  it('listens on 127.0.0.1 and round-trips objects with their content type', async () => {
    expect(local.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await local.archive.putJson('a/one.json', '{"n":1}');
    await local.archive.putAudio('b/two.mp3', Buffer.from([0xff, 0xfb, 0x10]));
    expect(await local.listKeys()).toEqual(['a/one.json', 'b/two.mp3']);
    expect(await local.listKeys('b/')).toEqual(['b/two.mp3']);
    expect(await local.getObject('b/two.mp3')).toEqual({
      body: Buffer.from([0xff, 0xfb, 0x10]),
      contentType: 'audio/mpeg',
    });
    expect(await local.archive.getText('a/one.json')).toBe('{"n":1}');
  });

  it('lists past one page of 1000 keys', async () => {
    const keys = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(4, '0')}.json`);
    for (let i = 0; i < keys.length; i += 250) {
      await Promise.all(keys.slice(i, i + 250).map((key) => local.archive.putJson(key, '{}')));
    }
    expect(await local.listKeys('many/')).toEqual(keys);
  });

  it('notifies object creation, key URL-encoded as AWS does, by the time the write resolves', async () => {
    const events: S3Event[] = [];
    const off = local.onObjectCreated((event) => events.push(event));
    await local.archive.putJson(AWKWARD_KEY, '{}');
    expect(events).toHaveLength(1);

    off();
    await local.archive.putJson('after/unsubscribe.json', '{}');
    expect(events).toHaveLength(1);

    const [record] = events[0].Records;
    expect(record.eventName).toBe('ObjectCreated:Put');
    expect(record.s3.bucket).toMatchObject({ name: 'support-test', arn: 'arn:aws:s3:::support-test' });
    expect(record.s3.object.key).toBe('post-call/%2B16125550142/conv+a%3Ab%40c/transcript.json');
    expect(record.s3.object.size).toBe(2);
    expect(decodeAsLambda(record.s3.object.key)).toBe(AWKWARD_KEY);
  });

  it('documents why: s3rver itself emits the decoded key, which a Lambda would misread', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'agentic-memory-s3rver-'));
    const server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      directory,
      silent: true,
      configureBuckets: [{ name: 'raw' }],
    });
    const { port } = await server.run();
    const s3 = createS3Client({ endpoint: `http://127.0.0.1:${port}`, credentials: S3RVER_CREDENTIALS });
    try {
      const keys: string[] = [];
      server.on('event', (event) => keys.push(event.Records[0].s3.object.key));
      await new S3Archive(s3, 'raw').putJson(AWKWARD_KEY, '{}');
      expect(keys).toEqual([AWKWARD_KEY]);
      expect(decodeAsLambda(AWKWARD_KEY)).not.toBe(AWKWARD_KEY);
    } finally {
      s3.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('encodes keys form-style, so that a literal "+" survives the decoding Lambdas do', () => {
    expect(encodeS3EventKey('a b/c+d/e:f@g/h.json')).toBe('a+b/c%2Bd/e%3Af%40g/h.json');
    expect(decodeAsLambda(encodeS3EventKey('a b/c+d/ünï/h.json'))).toBe('a b/c+d/ünï/h.json');
  });
});

describe('test support: local S3 lifecycle', () => {
  it('deletes its directory on close', async () => {
    const local = await startLocalS3();
    await local.archive.putJson('x.json', '{}');
    expect(existsSync(local.directory)).toBe(true);
    await local.close();
    expect(existsSync(local.directory)).toBe(false);
  });
});
