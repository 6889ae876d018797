import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ArchiveAdmin, listAll } from '../../cli/s3-archive-admin';
import { startLocalS3, type LocalS3 } from '../support/s3';

describe('S3ArchiveAdmin against s3rver (real S3 protocol, no versioning)', () => {
  let s3: LocalS3;
  beforeEach(async () => {
    s3 = await startLocalS3();
  });
  afterEach(() => s3.close());

  it('lists past a page of 1,000 keys, in key order', async () => {
    await Promise.all(
      Array.from({ length: 1005 }, (_, i) =>
        s3.archive.putJson(`post-call/raw/2026-11-20/c${String(i).padStart(4, '0')}/x.json`, '{}'),
      ),
    );
    const objects = await listAll(new S3ArchiveAdmin(s3.s3, s3.bucket, { versioned: false }), 'post-call/raw/');
    expect(objects).toHaveLength(1005);
    expect(objects[1004].key).toBe('post-call/raw/2026-11-20/c1004/x.json');
  });

  it('names each folder under a prefix once, read off the keys where common prefixes are not trusted', async () => {
    const keys = [
      'client-data/+16125550142/2026-11-20/a.json',
      'client-data/+16125550142/2026-11-21/b.json',
      'client-data/clinic-a%2F+16125550142/2026-11-20/c.json',
      'client-data/stray.json',
      ...Array.from(
        { length: 1003 },
        (_, i) => `client-data/+13125550147/2026-11-20/${String(i).padStart(4, '0')}.json`,
      ),
    ];
    await Promise.all(keys.map((key) => s3.archive.putJson(key, '{}')));
    const folders: string[] = [];
    const admin = new S3ArchiveAdmin(s3.s3, s3.bucket, { versioned: false, commonPrefixes: false });
    for await (const folder of admin.folders('client-data/')) folders.push(folder);
    expect(folders.sort()).toEqual(['+13125550147', '+16125550142', 'clinic-a%2F+16125550142']);
  });

  it('erases the objects; on a server without versioning a versioned erase falls back to that', async () => {
    await s3.archive.putJson('client-data/+16125550142/a.json', '{}');
    await s3.archive.putJson('client-data/+16125550142/b.json', '{}');
    await s3.archive.putJson('client-data/+13125550147/c.json', '{}');
    await new S3ArchiveAdmin(s3.s3, s3.bucket, { versioned: true }).delete([
      'client-data/+16125550142/a.json',
      'client-data/+16125550142/b.json',
    ]);
    expect(await s3.listKeys('client-data/')).toEqual(['client-data/+13125550147/c.json']);
  });
});

describe('S3ArchiveAdmin on a versioned bucket (loopback fake of ListObjectVersions and DeleteObjects)', () => {
  let server: http.Server;
  let deleteBodies: string[];
  let client: S3Client;

  beforeEach(async () => {
    deleteBodies = [];
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        const url = new URL(request.url ?? '/', 'http://127.0.0.1');
        response.setHeader('content-type', 'application/xml');
        if (request.method === 'GET' && url.searchParams.has('versions')) {
          const prefix = url.searchParams.get('prefix') ?? '';
          // The key as a prefix also matches a longer key, which must not be erased.
          response.end(
            `<ListVersionsResult><Name>archive</Name><Prefix>${prefix}</Prefix><IsTruncated>false</IsTruncated>` +
              `<Version><Key>${prefix}</Key><VersionId>v2</VersionId><IsLatest>true</IsLatest></Version>` +
              `<Version><Key>${prefix}</Key><VersionId>v1</VersionId><IsLatest>false</IsLatest></Version>` +
              `<DeleteMarker><Key>${prefix}</Key><VersionId>m1</VersionId><IsLatest>false</IsLatest></DeleteMarker>` +
              `<Version><Key>${prefix}.bak</Key><VersionId>other</VersionId><IsLatest>true</IsLatest></Version>` +
              `</ListVersionsResult>`,
          );
          return;
        }
        if (request.method === 'POST' && url.searchParams.has('delete')) {
          deleteBodies.push(body);
          response.end('<DeleteResult></DeleteResult>');
          return;
        }
        response.statusCode = 400;
        response.end('<Error><Code>NotFaked</Code></Error>');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    client = new S3Client({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  afterEach(async () => {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('erases every version and delete marker of each key, and nothing of a key that merely shares the prefix', async () => {
    await new S3ArchiveAdmin(client, 'archive', { versioned: true }).delete(['post-call/audio/conv_1.mp3']);
    expect(deleteBodies).toHaveLength(1);
    const versions = [...deleteBodies[0].matchAll(/<Key>([^<]+)<\/Key><VersionId>([^<]+)<\/VersionId>/g)].map(
      (m) => `${m[1]}@${m[2]}`,
    );
    expect(versions.sort()).toEqual([
      'post-call/audio/conv_1.mp3@m1',
      'post-call/audio/conv_1.mp3@v1',
      'post-call/audio/conv_1.mp3@v2',
    ]);
  });
});

describe('S3ArchiveAdmin folders by common prefixes (loopback fake of a paged delimiter listing)', () => {
  let server: http.Server;
  let client: S3Client;
  const queries: URLSearchParams[] = [];

  beforeAll(async () => {
    // Two pages, as S3 pages a delimiter listing: common prefixes, IsTruncated and NextMarker.
    const pages: Record<string, string> = {
      '':
        '<IsTruncated>true</IsTruncated><NextMarker>post-call/audio/</NextMarker>' +
        '<CommonPrefixes><Prefix>post-call/+16125550142/</Prefix></CommonPrefixes>' +
        '<CommonPrefixes><Prefix>post-call/audio/</Prefix></CommonPrefixes>',
      'post-call/audio/':
        '<IsTruncated>false</IsTruncated>' +
        '<CommonPrefixes><Prefix>post-call/clinic-a%2F+16125550142/</Prefix></CommonPrefixes>' +
        '<CommonPrefixes><Prefix>post-call/raw/</Prefix></CommonPrefixes>',
    };
    server = http.createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      queries.push(url.searchParams);
      const page = pages[url.searchParams.get('marker') ?? ''];
      response.setHeader('content-type', 'application/xml');
      response.end(
        `<ListBucketResult><Name>archive</Name><Prefix>post-call/</Prefix><Delimiter>/</Delimiter>${page}</ListBucketResult>`,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    client = new S3Client({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  afterAll(async () => {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('asks for a delimiter listing and follows NextMarker across pages', async () => {
    const folders: string[] = [];
    for await (const folder of new S3ArchiveAdmin(client, 'archive', { versioned: true }).folders('post-call/'))
      folders.push(folder);
    expect(folders).toEqual(['+16125550142', 'audio', 'clinic-a%2F+16125550142', 'raw']);
    expect(queries.map((query) => [query.get('delimiter'), query.get('marker')])).toEqual([
      ['/', null],
      ['/', 'post-call/audio/'],
    ]);
  });
});
