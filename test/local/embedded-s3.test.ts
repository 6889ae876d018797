import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import * as path from 'node:path';
import { CopyObjectCommand, ListBucketsCommand, ListObjectsCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import S3rver from 's3rver';
import { PARTIAL_FOLDER } from '../../lambdas/local/atomic-store';
import {
  S3RVER_CREDENTIALS,
  encodeS3EventKey,
  objectCreatedNotification,
  startEmbeddedS3,
  type EmbeddedS3,
} from '../../lambdas/local/embedded-s3';
import { createS3Client } from '../../lambdas/shared/archive/archive';
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

describe('embedded S3 after an unclean stop', () => {
  const bucket = 'agentic-memory-archive';
  let home: string;
  let directory: string;
  let quarantine: string;

  beforeEach(async () => {
    home = await tempHome();
    directory = path.join(home, 's3');
    quarantine = path.join(home, 's3-quarantine');
  });
  afterEach(() => removeHome(home));

  /** The files s3rver keeps for `key`: `{folders}/{name}._S3rver_{resource}`. */
  const fileOf = (key: string, resource: 'object' | 'object.md5' | 'metadata.json') =>
    path.join(directory, bucket, `${key}._S3rver_${resource}`);

  async function writeFiles(key: string, files: { object?: string; md5?: string; metadata?: string }) {
    await mkdir(path.dirname(fileOf(key, 'object')), { recursive: true });
    if (files.object !== undefined) await writeFile(fileOf(key, 'object'), files.object);
    if (files.md5 !== undefined) await writeFile(fileOf(key, 'object.md5'), files.md5);
    if (files.metadata !== undefined) await writeFile(fileOf(key, 'metadata.json'), files.metadata);
  }

  const md5 = (text: string) => createHash('md5').update(text).digest('hex');
  const healthy = 'post-call/raw/2026-11-21/conv_ok/post_call_transcription-0123456789abcdef.json';
  const torn = 'post-call/raw/2026-11-21/conv_torn/post_call_transcription-0123456789abcdef.json';

  /** What s3rver's own in-place writes leave when the process dies mid-PUT. */
  async function damage() {
    await writeFiles(healthy, {
      object: '{"ok":true}',
      md5: md5('{"ok":true}'),
      metadata: '{"content-type":"application/json"}',
    });
    await writeFiles(torn, { object: '{"type":"post_call_tr', md5: md5('{"type":"post_call_tr'), metadata: '' });
    await writeFiles('post-call/audio/conv_cut.mp3', { object: 'ID3', md5: '' });
    await writeFiles('post-call/audio/conv_gone.mp3', { md5: md5('x'), metadata: '{}' });
    await mkdir(path.join(directory, PARTIAL_FOLDER), { recursive: true });
    await writeFile(path.join(directory, PARTIAL_FOLDER, '0123.object'), 'half of a pay');
  }

  it('is what makes s3rver fail every listing ("We encountered an internal error")', async () => {
    await damage();
    const plain = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
    const { port } = await plain.run();
    const client = createS3Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: S3RVER_CREDENTIALS,
    });
    try {
      await expect(client.send(new ListObjectsCommand({ Bucket: bucket, Prefix: 'post-call/raw/' }))).rejects.toThrow(
        /internal error/,
      );
    } finally {
      client.destroy();
      await plain.close();
    }
  });

  it('starts, sets aside the object whose upload never finished, and keeps every complete one', async () => {
    await damage();
    const s3 = await startEmbeddedS3({ directory, quarantineDirectory: quarantine });
    try {
      expect(s3.repair).toEqual({ partialWrites: 1, orphans: 2, checksumsReset: 1, quarantined: [torn] });
      expect((await s3.listObjects('')).map((object) => object.key)).toEqual(['post-call/audio/conv_cut.mp3', healthy]);
      expect(await s3.archive.getText(healthy)).toBe('{"ok":true}');
      const [cut] = await s3.listObjects('post-call/audio/');
      expect(cut.eTag).toBe(md5('ID3'));
      expect(await readFile(path.join(quarantine, bucket, `${torn}._S3rver_object`), 'utf8')).toBe(
        '{"type":"post_call_tr',
      );
      expect(await readdir(path.join(directory, PARTIAL_FOLDER))).toEqual([]);
    } finally {
      await s3.close();
    }
  });

  it('leaves nothing of a PUT whose upload was cut off: no object, no partial file', async () => {
    const s3 = await startEmbeddedS3({ directory, quarantineDirectory: quarantine });
    try {
      const port = Number(new URL(s3.endpoint).port);
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(
            `PUT /${s3.bucket}/post-call/raw/2026-11-21/conv_cut/x-0123456789abcdef.json HTTP/1.1\r\n` +
              `Host: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(5000)}`,
          );
          setTimeout(() => socket.destroy(), 200);
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      });
      await eventually(async () => (await readdir(path.join(directory, PARTIAL_FOLDER))).length === 0);
      expect(await s3.listObjects('')).toEqual([]);
      expect(await filesUnder(path.join(directory, s3.bucket))).toEqual([]);
    } finally {
      await s3.close();
    }
  });

  it('lists, copies and overwrites while writes are in flight, and never shows its partial folder as a bucket', async () => {
    const s3 = await startEmbeddedS3({ directory, quarantineDirectory: quarantine });
    const client = createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', credentials: S3RVER_CREDENTIALS });
    try {
      const keys = Array.from({ length: 60 }, (_, i) => `post-call/raw/2026-11-21/conv_${i}/x-0123456789abcdef.json`);
      const writes = Promise.all(keys.map((key, i) => s3.archive.putJson(key, JSON.stringify({ i }))));
      const listings = Promise.all(Array.from({ length: 20 }, () => s3.listObjects('post-call/')));
      await Promise.all([writes, listings]);
      expect((await s3.listObjects('post-call/raw/')).length).toBe(keys.length);

      await s3.archive.putJson(keys[0], '{"i":"again"}');
      expect(await s3.archive.getText(keys[0])).toBe('{"i":"again"}');
      expect((await s3.listObjects(keys[0]))[0].eTag).toBe(md5('{"i":"again"}'));

      await client.send(
        new CopyObjectCommand({ Bucket: s3.bucket, CopySource: `${s3.bucket}/${keys[1]}`, Key: 'copy.json' }),
      );
      expect(await s3.archive.getText('copy.json')).toBe('{"i":1}');
      expect((await client.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual([s3.bucket]);
    } finally {
      client.destroy();
      await s3.close();
    }
  });
});

async function filesUnder(folder: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) found.push(...(await filesUnder(file)));
    else found.push(file);
  }
  return found;
}

async function eventually(probe: () => Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`not so within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
