import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PlannedMemory } from '../../lambdas/ingest/conversation-memories';
import type { ClientDataSettings } from '../../lambdas/shared/config';

/**
 * The floor of each function: the remote calls it cannot avoid, made as it makes them (same
 * client libraries, same configuration, same arguments, same order and parallelism) and
 * nothing else. Whatever a handler takes beyond its floor is its own work.
 */

/** The memory store's share of the floors: the requests the function's memory adapter sends. */
export interface MemoryFloor {
  /** Pre-call: what is known, recent calls and the profile, read side by side. */
  preCallReads(callerId: string, settings: ClientDataSettings): Promise<void>;
  /** In-call: one search of one caller's memories. */
  search(callerId: string, query: string, limit: number): Promise<void>;
  /** Ingest: one planned memory written, as the adapter writes it for a new conversation. */
  write(callerId: string, planned: PlannedMemory): Promise<void>;
}

export class Floors {
  constructor(
    /** None for post-call, which uses no memory store. */
    private readonly memory: MemoryFloor | undefined,
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly dynamodb = new DynamoDBClient({}),
  ) {}

  /**
   * Pre-call: the three reads side by side, then the archive write of request and answer, which
   * can only start once the answer, built from those reads, exists.
   */
  async clientData(callerId: string, settings: ClientDataSettings, record: string, key: string): Promise<void> {
    await this.memoryFloor().preCallReads(callerId, settings);
    await this.put(key, record);
  }

  /** In-call: one search of one caller's memories. */
  async retrieve(callerId: string, query: string, limit: number): Promise<void> {
    await this.memoryFloor().search(callerId, query, limit);
  }

  /** Post-call: one write of the body as received. */
  async postCall(rawBody: Buffer, key: string): Promise<void> {
    await this.put(key, rawBody);
  }

  /**
   * Ingest, one record: read the archived payload, write the per-caller copy, then each memory
   * in turn as the worker writes it: idempotency record taken (DynamoDB), memory written,
   * idempotency record completed (DynamoDB).
   */
  async ingest(job: {
    rawKey: string;
    copyKey: string;
    callerId: string;
    memories: PlannedMemory[];
    table: string;
    keyPrefix: string;
  }) {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: job.rawKey }));
    const body = await object.Body!.transformToString('utf-8');
    await this.put(job.copyKey, body);
    for (const planned of job.memories) {
      const idempotencyKey = `${job.keyPrefix}:${planned.idempotencyKey}`;
      await this.takeIdempotencyRecord(job.table, idempotencyKey);
      await this.memoryFloor().write(job.callerId, planned);
      await this.completeIdempotencyRecord(job.table, idempotencyKey, planned.type);
    }
  }

  private memoryFloor(): MemoryFloor {
    if (!this.memory) throw new Error('this function’s floor has no memory store');
    return this.memory;
  }

  private async put(key: string, body: string | Buffer): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' }),
    );
  }

  /** Powertools idempotency's conditional put of an in-progress record (DynamoDBPersistenceLayer). */
  private async takeIdempotencyRecord(table: string, id: string): Promise<void> {
    const now = Date.now();
    await this.dynamodb.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          id: { S: id },
          expiration: { N: String(Math.floor(now / 1000) + 30 * 24 * 3600) },
          status: { S: 'INPROGRESS' },
          in_progress_expiration: { N: String(now + 60_000) },
        },
        ExpressionAttributeNames: {
          '#id': 'id',
          '#expiry': 'expiration',
          '#in_progress_expiry': 'in_progress_expiration',
          '#status': 'status',
        },
        ExpressionAttributeValues: {
          ':now': { N: String(now / 1000) },
          ':now_in_millis': { N: String(now) },
          ':inprogress': { S: 'INPROGRESS' },
        },
        ConditionExpression:
          'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  }

  private async completeIdempotencyRecord(table: string, id: string, type: string): Promise<void> {
    await this.dynamodb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { id: { S: id } },
        UpdateExpression: 'SET #expiry = :expiry, #status = :status, #response_data = :response_data',
        ExpressionAttributeNames: { '#expiry': 'expiration', '#status': 'status', '#response_data': 'data' },
        ExpressionAttributeValues: {
          ':expiry': { N: String(Math.floor(Date.now() / 1000) + 30 * 24 * 3600) },
          ':status': { S: 'COMPLETED' },
          ':response_data': { S: JSON.stringify({ written: type }) },
        },
      }),
    );
  }
}
