import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3Object from 's3rver/lib/models/object';
import FilesystemStore from 's3rver/lib/stores/filesystem';
import { PerKeyQueue } from './per-key-queue';

/**
 * Where writes in progress live: a folder of the store's root that is not a bucket. A file there
 * is a write that never completed, so nothing acknowledged it: a start deletes them all.
 */
export const PARTIAL_FOLDER = '.partial';

/**
 * s3rver's filesystem store with writes that a crash cannot tear. s3rver writes an object in
 * place and then its checksum and metadata files, and answers a stream upload before the file is
 * fully written: a SIGKILL mid-write leaves a cut object or an empty metadata file, which fails
 * every later listing with "We encountered an internal error".
 *
 * Here the object, its metadata and its checksum are written whole to PARTIAL_FOLDER first, and
 * then moved into place with rename (atomic on one filesystem) before the PUT is answered. The
 * object's rename is the moment it exists; its old checksum is removed before that and the new
 * one renamed in after, so a crash leaves at worst an object without a checksum, which s3rver
 * computes again when it is read. Writes to one key run one after another.
 *
 * Nothing is synced to disk: a killed process loses nothing the kernel has, and this is a
 * development archive, not one that must outlive a power cut.
 */
export class AtomicFilesystemStore extends FilesystemStore {
  private readonly serial = new PerKeyQueue();

  override putObject(object: S3Object): Promise<{ size: number; md5: string }> {
    return this.serial.run(`${object.bucket}/${object.key}`, () => this.writeWhole(object));
  }

  /** A copy is a read of the source and an atomic write of the destination. */
  override async copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    replacementMetadata?: Record<string, unknown>,
  ): Promise<Record<string, string>> {
    const source = await this.getObject(srcBucket, srcKey);
    if (!source) throw Object.assign(new Error(`no object ${srcBucket}/${srcKey}`), { code: 'ENOENT' });
    await this.putObject(new S3Object(destBucket, destKey, source.content, replacementMetadata ?? source.metadata));
    return this.getMetadata(destBucket, destKey);
  }

  /** The partial-writes folder is no bucket. */
  override async listBuckets(): Promise<Array<{ name: string }>> {
    return (await super.listBuckets()).filter((bucket) => bucket.name !== PARTIAL_FOLDER);
  }

  private async writeWhole(object: S3Object): Promise<{ size: number; md5: string }> {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    const checksumPath = this.getResourcePath(object.bucket, object.key, 'object.md5');
    const metadataPath = this.getResourcePath(object.bucket, object.key, 'metadata.json');
    const partialFolder = path.join(this.rootDirectory, PARTIAL_FOLDER);
    await Promise.all([
      fs.mkdir(path.dirname(objectPath), { recursive: true }),
      fs.mkdir(partialFolder, { recursive: true }),
    ]);
    const partial = path.join(partialFolder, randomBytes(12).toString('hex'));
    const partials = { object: `${partial}.object`, checksum: `${partial}.md5`, metadata: `${partial}.json` };

    try {
      const md5 = createHash('md5');
      let size = 0;
      const measure = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          md5.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      const content = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
      if (!content) throw new Error(`no content to store for ${object.key}`);
      // Resolves once the last byte is written to the file: only then is the object complete.
      await pipeline(content, measure, createWriteStream(partials.object, { flags: 'wx', mode: 0o600 }));
      const checksum = md5.digest('hex');
      await fs.writeFile(partials.metadata, JSON.stringify(storedMetadata(object.metadata), null, 2), { flag: 'wx' });
      await fs.writeFile(partials.checksum, checksum, { flag: 'wx' });

      await fs.rm(checksumPath, { force: true });
      await fs.rename(partials.metadata, metadataPath);
      await fs.rename(partials.object, objectPath);
      await fs.rename(partials.checksum, checksumPath);
      return { size, md5: checksum };
    } finally {
      await Promise.all(Object.values(partials).map((file) => fs.rm(file, { force: true })));
    }
  }
}

/** What s3rver keeps of an object's metadata (as its own putMetadata does). */
function storedMetadata(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(metadata).filter(
      ([name]) => S3Object.ALLOWED_METADATA.includes(name) || name.startsWith('x-amz-meta-'),
    ),
  );
}
