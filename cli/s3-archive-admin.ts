import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsCommand,
  PutObjectCommand,
  type ObjectIdentifier,
  type S3Client,
} from '@aws-sdk/client-s3';
import { archivedText } from '../lambdas/shared/archive/archive';
import type { ArchiveAdmin, ArchivedObject } from './deployment';

/** What S3-compatible servers without versioning answer to ListObjectVersions. */
const VERSIONS_UNSUPPORTED = new Set(['MethodNotAllowed', 'NotImplemented']);
/** DeleteObjects takes at most this many keys. */
const DELETE_BATCH = 1000;

/**
 * The archive bucket through the S3 API: AWS, or the local stack's embedded S3 server.
 * `versioned`: the bucket keeps versions (the construct's does), so erasing an object means
 * erasing each of its versions and delete markers, not only hiding it behind a new marker.
 */
export class S3ArchiveAdmin implements ArchiveAdmin {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    private readonly options: {
      versioned: boolean;
      /**
       * The server answers a delimiter listing with every common prefix, as S3 does (default).
       * Off for S3-compatible servers that do not: s3rver names a folder only when an object lies
       * directly in it, so deeper folders are read off a listing of every key instead.
       */
      commonPrefixes?: boolean;
    },
  ) {}

  /**
   * ListObjects (v1, paged by Marker) rather than v2: s3rver cannot continue a v2 listing past
   * 1,000 keys under Node's OpenSSL 3; AWS answers both alike.
   */
  async *list(prefix: string): AsyncIterable<ArchivedObject> {
    let marker: string | undefined;
    for (;;) {
      const page = await this.s3.send(new ListObjectsCommand({ Bucket: this.bucket, Prefix: prefix, Marker: marker }));
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key, size: object.Size };
      }
      marker = page.Contents?.[page.Contents.length - 1]?.Key;
      if (!page.IsTruncated || marker === undefined) return;
    }
  }

  /**
   * Folders by S3's delimiter listing (common prefixes), so a folder of many objects costs one
   * entry; without `commonPrefixes`, or from a server that ignores the delimiter, read off the
   * listed keys. Each folder is named once.
   */
  async *folders(prefix: string): AsyncIterable<string> {
    const seen = new Set<string>();
    const delimiter = this.options.commonPrefixes === false ? undefined : '/';
    let marker: string | undefined;
    for (;;) {
      const page = await this.s3.send(
        new ListObjectsCommand({ Bucket: this.bucket, Prefix: prefix, Delimiter: delimiter, Marker: marker }),
      );
      const names = [
        ...(page.CommonPrefixes ?? []).map((common) => common.Prefix),
        ...(page.Contents ?? []).map((object) => object.Key),
      ].filter((name): name is string => name !== undefined);
      for (const name of names) {
        const rest = name.slice(prefix.length);
        const slash = rest.indexOf('/');
        if (slash <= 0) continue;
        const folder = rest.slice(0, slash);
        if (seen.has(folder)) continue;
        seen.add(folder);
        yield folder;
      }
      // NextMarker comes with a delimiter listing; otherwise the page's last name continues it.
      marker = page.NextMarker ?? names.sort().at(-1);
      if (!page.IsTruncated || marker === undefined) return;
    }
  }

  async getText(key: string): Promise<string> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!object.Body) throw new Error(`archive object ${key} has no body`);
    return archivedText(await object.Body.transformToByteArray());
  }

  async putJson(key: string, body: Buffer): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' }),
    );
  }

  async delete(keys: readonly string[]): Promise<void> {
    const identifiers = this.options.versioned ? await this.versionsOf(keys) : undefined;
    await this.deleteIdentifiers(identifiers ?? keys.map((key) => ({ Key: key })));
  }

  private async deleteIdentifiers(identifiers: ObjectIdentifier[]): Promise<void> {
    for (let start = 0; start < identifiers.length; start += DELETE_BATCH) {
      const answer = await this.s3.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: identifiers.slice(start, start + DELETE_BATCH), Quiet: true },
        }),
      );
      const failed = answer.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw new Error(
          `S3 refused to delete ${failed.length} object(s), e.g. ${first.Key}: ${first.Code} ${first.Message ?? ''}`.trim(),
        );
      }
    }
  }

  /**
   * Every version and delete marker of each key (listed by the key as a prefix, then matched
   * exactly); undefined when the S3 server has no versioning at all (S3-compatible servers such
   * as s3rver refuse the call), where deleting the current objects is deleting everything.
   */
  private async versionsOf(keys: readonly string[]): Promise<ObjectIdentifier[] | undefined> {
    const identifiers: ObjectIdentifier[] = [];
    for (const key of new Set(keys)) {
      let keyMarker: string | undefined;
      let versionMarker: string | undefined;
      for (;;) {
        let page;
        try {
          page = await this.s3.send(
            new ListObjectVersionsCommand({
              Bucket: this.bucket,
              Prefix: key,
              KeyMarker: keyMarker,
              VersionIdMarker: versionMarker,
            }),
          );
        } catch (error) {
          if (VERSIONS_UNSUPPORTED.has((error as { name?: string }).name ?? '')) return undefined;
          throw error;
        }
        for (const entry of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
          if (entry.Key === key) identifiers.push({ Key: key, VersionId: entry.VersionId });
        }
        if (!page.IsTruncated) break;
        keyMarker = page.NextKeyMarker;
        versionMarker = page.NextVersionIdMarker;
      }
    }
    return identifiers;
  }
}

/** Collects an async listing. */
export async function listAll(archive: ArchiveAdmin, prefix: string): Promise<ArchivedObject[]> {
  const objects: ArchivedObject[] = [];
  for await (const object of archive.list(prefix)) objects.push(object);
  return objects;
}
