import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type MemoryClient from 'mem0ai';
import type { PlannedMemory } from '../../lambdas/ingest/conversation-memories';
import type { ClientDataSettings } from '../../lambdas/shared/config';

/**
 * The floor of each function: the remote calls it cannot avoid, made as it makes them (same
 * client libraries, same configuration, same arguments, same order and parallelism) and
 * nothing else. Whatever a handler takes beyond its floor is its own work.
 */
export class Floors {
  constructor(
    private readonly mem0: MemoryClient,
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly dynamodb = new DynamoDBClient({}),
  ) {}

  /**
   * Pre-call: the three reads side by side (what is known, recent calls, profile; one page each,
   * sized as the handler sizes them), then the archive write of request and answer, which can
   * only start once the answer, built from those reads, exists.
   */
  async clientData(callerId: string, settings: ClientDataSettings, record: string, key: string): Promise<void> {
    const list = (type: string, pageSize: number) =>
      this.mem0.getAll({ filters: { AND: [{ user_id: callerId }, { metadata: { type } }] }, page: 1, pageSize });
    await Promise.all([
      list('factual', Math.max(1, settings.maxHighlights)),
      list('semantic', Math.max(1, settings.maxFacts)),
      list('profile', 5),
    ]);
    await this.put(key, record);
  }

  /** In-call: one search of one caller's memories. */
  async retrieve(callerId: string, query: string, limit: number): Promise<void> {
    await this.mem0.search(query, { filters: { user_id: callerId }, topK: limit });
  }

  /** Post-call: one write of the body as received. */
  async postCall(rawBody: Buffer, key: string): Promise<void> {
    await this.put(key, rawBody);
  }

  /**
   * Ingest, one record: read the archived payload, write the per-caller copy, then each memory
   * in turn as the worker writes it: idempotency record taken (DynamoDB), memory added (Mem0),
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
      await this.mem0.add(...mem0AddArguments(job.callerId, planned));
      await this.completeIdempotencyRecord(job.table, idempotencyKey, planned.type);
    }
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

/** The arguments Mem0MemoryStore.add gives the client for a planned memory (lambdas/shared/memory/mem0-store.ts). */
function mem0AddArguments(callerId: string, planned: PlannedMemory): Parameters<MemoryClient['add']> {
  const memory = planned.memory;
  const metadata = { ...memory.metadata };
  const happenedAt = metadata.timestamp ? Date.parse(metadata.timestamp) : NaN;
  const timestamp = Number.isFinite(happenedAt) ? Math.floor(happenedAt / 1000) : undefined;
  if (memory.kind === 'text') {
    return [[{ role: 'user', content: memory.text }], { userId: callerId, metadata, infer: false, timestamp }];
  }
  const turns = memory.turns.filter((turn) => turn.content.trim() !== '');
  return [
    turns.map((turn) => ({ role: turn.role, content: turn.content })),
    { userId: callerId, metadata, infer: true, timestamp },
  ];
}
