import { readFile, readdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { IngestQueueAdmin, QueueStatus } from '../deployment';

const FAILURE_WINDOW_MS = 24 * 3600 * 1000;
const SAMPLES = 10;

interface DeadLetterFile {
  file: string;
  keys: string[];
  reason?: string;
  at?: string;
}

/**
 * The local stack's ingest queue, seen from another process. Depth comes from the stack's
 * /health; dead letters are the files of `dead-letter/`. Handing a key to the worker means
 * writing the inbox object again, same bytes, through the stack's own S3 server: the stack
 * turns the object-created event into a queue message, as S3 and SQS do on AWS.
 */
export class LocalIngestQueue implements IngestQueueAdmin {
  constructor(
    private readonly options: { healthUrl: string; deadLetterDirectory: string; s3: S3Client; bucket: string },
  ) {}

  async status(): Promise<QueueStatus> {
    const health = await this.health();
    const letters = await this.deadLetters();
    const since = Date.now() - FAILURE_WINDOW_MS;
    return {
      waiting: health.ingestQueueDepth,
      oldestMessageAgeSeconds: health.ingestOldestMessageAgeSeconds ?? undefined,
      deadLetters: letters.length,
      recentFailures: {
        description: 'payloads dead-lettered in the last 24 hours',
        count: letters.filter((letter) => letter.at !== undefined && Date.parse(letter.at) >= since).length,
        deadLettered: letters.slice(0, SAMPLES).map(({ keys, at, reason }) => ({ keys, at, reason })),
      },
    };
  }

  async enqueue(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const object = await this.options.s3.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      const body = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      await this.options.s3.send(
        new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: body, ContentType: object.ContentType }),
      );
    }
  }

  async redriveDeadLetters(onProgress?: (done: number, total: number) => void): Promise<number> {
    const letters = await this.deadLetters();
    onProgress?.(0, letters.length);
    let moved = 0;
    for (const letter of letters) {
      await this.enqueue(letter.keys);
      await rm(letter.file, { force: true });
      onProgress?.(++moved, letters.length);
    }
    return moved;
  }

  private async health(): Promise<{ ingestQueueDepth: number; ingestOldestMessageAgeSeconds?: number | null }> {
    const response = await fetch(this.options.healthUrl, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`the local stack's ${this.options.healthUrl} answered ${response.status}`);
    return (await response.json()) as { ingestQueueDepth: number; ingestOldestMessageAgeSeconds?: number | null };
  }

  /** Newest first. */
  private async deadLetters(): Promise<DeadLetterFile[]> {
    let names: string[];
    try {
      names = await readdir(this.options.deadLetterDirectory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const letters: DeadLetterFile[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const file = path.join(this.options.deadLetterDirectory, name);
      try {
        const letter = JSON.parse(await readFile(file, 'utf8')) as {
          keys?: unknown;
          reason?: unknown;
          deadLetteredAt?: unknown;
        };
        letters.push({
          file,
          keys: Array.isArray(letter.keys) ? letter.keys.filter((key): key is string => typeof key === 'string') : [],
          reason: typeof letter.reason === 'string' ? letter.reason : undefined,
          at: typeof letter.deadLetteredAt === 'string' ? letter.deadLetteredAt : undefined,
        });
      } catch {
        // A file someone edited into invalid JSON is not a dead letter any more.
      }
    }
    return letters.sort((a, b) => (b.at ?? '').localeCompare(a.at ?? ''));
  }
}
