import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
} from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import { PerKeyQueue } from './per-key-queue';

type RecordStatus = ReturnType<IdempotencyRecord['getStatus']>;
type JsonValue = IdempotencyRecord['responseData'];

/** One record, as kept on disk (the attributes the DynamoDB layer keeps, plus its writer). */
interface StoredRecord {
  idempotencyKey: string;
  status: RecordStatus;
  /** Unix seconds. */
  expiryTimestamp?: number;
  /** Unix milliseconds. */
  inProgressExpiryTimestamp?: number;
  responseData?: JsonValue;
  payloadHash?: string;
  /** The store instance that wrote the record. */
  owner: string;
}

export interface FileIdempotencyStoreOptions {
  directory: string;
  /**
   * How long an in-progress record locks its key when the caller gives no remaining time (a
   * wrapped function outside a Lambda handler has no context to take it from).
   */
  inProgressLeaseMs: number;
}

/**
 * Powertools idempotency records in files, one per key, with the DynamoDB layer's semantics:
 * a record can be written only if none exists, the existing one has expired, or it is an
 * in-progress record whose in-progress expiry has passed. Writes are atomic (temp file, sync,
 * rename), so a record survives a crash and a restart: a replayed delivery writes nothing twice.
 *
 * One instance per directory at a time (the local stack holds its data directory's lock). An
 * in-progress record written by an earlier instance is therefore an orphan of a process that
 * died mid-write, and is taken over at once instead of locking its key until the lease ends.
 */
export class FileIdempotencyStore extends BasePersistenceLayer {
  private readonly owner = randomUUID();
  private readonly serial = new PerKeyQueue();
  private readonly directory: string;
  private readonly inProgressLeaseMs: number;
  private directoryReady?: Promise<unknown>;

  constructor(options: FileIdempotencyStoreOptions) {
    super();
    this.directory = options.directory;
    this.inProgressLeaseMs = options.inProgressLeaseMs;
  }

  override async saveInProgress(
    data: Parameters<BasePersistenceLayer['saveInProgress']>[0],
    remainingTimeInMillis?: number,
  ) {
    return super.saveInProgress(data, remainingTimeInMillis ?? this.inProgressLeaseMs);
  }

  /** Deletes expired records; returns how many. */
  async sweepExpired(nowMs = Date.now()): Promise<number> {
    let names: string[];
    try {
      names = await fs.readdir(this.directory);
    } catch (error) {
      if (isMissing(error)) return 0;
      throw error;
    }
    let removed = 0;
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const file = path.join(this.directory, name);
      const stored = await readRecord(file).catch(() => undefined);
      if (stored?.expiryTimestamp !== undefined && stored.expiryTimestamp < nowMs / 1000) {
        await fs.rm(file, { force: true });
        removed += 1;
      }
    }
    return removed;
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    await this.serial.run(record.idempotencyKey, async () => {
      const existing = await readRecord(this.fileOf(record.idempotencyKey));
      if (existing && !this.replaceable(existing, Date.now())) {
        throw new IdempotencyItemAlreadyExistsError(
          `Failed to put record for already existing idempotency key: ${record.idempotencyKey}`,
          toIdempotencyRecord(existing),
        );
      }
      await this.write({
        idempotencyKey: record.idempotencyKey,
        status: record.getStatus(),
        expiryTimestamp: record.expiryTimestamp,
        inProgressExpiryTimestamp: record.inProgressExpiryTimestamp,
        payloadHash: this.isPayloadValidationEnabled() ? record.payloadHash : undefined,
        owner: this.owner,
      });
    });
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const stored = await this.serial.run(idempotencyKey, () => readRecord(this.fileOf(idempotencyKey)));
    if (!stored) throw new IdempotencyItemNotFoundError('Item does not exist in persistence store');
    return toIdempotencyRecord(stored);
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    await this.serial.run(record.idempotencyKey, async () => {
      const existing = await readRecord(this.fileOf(record.idempotencyKey));
      await this.write({
        ...existing,
        idempotencyKey: record.idempotencyKey,
        status: record.getStatus(),
        expiryTimestamp: record.expiryTimestamp,
        responseData: record.responseData ?? existing?.responseData,
        payloadHash: this.isPayloadValidationEnabled() ? record.payloadHash : existing?.payloadHash,
        owner: this.owner,
      });
    });
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    await this.serial.run(record.idempotencyKey, () => fs.rm(this.fileOf(record.idempotencyKey), { force: true }));
  }

  /** The DynamoDB layer's put condition, plus: an in-progress record of an earlier instance is an orphan. */
  private replaceable(existing: StoredRecord, nowMs: number): boolean {
    if (existing.expiryTimestamp !== undefined && existing.expiryTimestamp < nowMs / 1000) return true;
    if (existing.status !== IdempotencyRecordStatus.INPROGRESS) return false;
    if (existing.inProgressExpiryTimestamp !== undefined && existing.inProgressExpiryTimestamp < nowMs) return true;
    return existing.owner !== this.owner;
  }

  private async write(record: StoredRecord): Promise<void> {
    this.directoryReady ??= fs.mkdir(this.directory, { recursive: true, mode: 0o700 });
    await this.directoryReady;
    const file = this.fileOf(record.idempotencyKey);
    const partial = `${file}.${this.owner}.partial`;
    const handle = await fs.open(partial, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(record), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(partial, file);
  }

  /** Key names hold '#' and whatever the prefix holds: files are named by the key's hash. */
  private fileOf(idempotencyKey: string): string {
    return path.join(this.directory, `${createHash('sha256').update(idempotencyKey).digest('hex')}.json`);
  }
}

async function readRecord(file: string): Promise<StoredRecord | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  return JSON.parse(text) as StoredRecord;
}

function toIdempotencyRecord(stored: StoredRecord): IdempotencyRecord {
  return new IdempotencyRecord({
    idempotencyKey: stored.idempotencyKey,
    status: stored.status,
    expiryTimestamp: stored.expiryTimestamp,
    inProgressExpiryTimestamp: stored.inProgressExpiryTimestamp,
    responseData: stored.responseData,
    payloadHash: stored.payloadHash,
  });
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
