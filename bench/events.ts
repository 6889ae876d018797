import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { signElevenLabsPayload } from '../lambdas/shared/elevenlabs/signature';
import { apiGatewayEvent } from '../test/support/http-event';

/** What ElevenLabs sends each function, as API Gateway (or SQS) hands it over. */

export function clientDataEvent(callerId: string, workspaceKey: string, callSid: string): APIGatewayProxyEventV2 {
  return apiGatewayEvent({
    body: { caller_id: callerId, agent_id: 'agent_bench', called_number: '+16125550199', call_sid: callSid },
    headers: { 'x-workspace-key': workspaceKey },
  });
}

export function retrieveEvent(callerId: string, query: string, retrieveApiKey: string): APIGatewayProxyEventV2 {
  return apiGatewayEvent({ body: { query, user_id: callerId }, headers: { 'x-api-key': retrieveApiKey } });
}

/** A post-call delivery signed now, as ElevenLabs signs it. */
export function postCallEvent(rawBody: Buffer, hmacKey: string): APIGatewayProxyEventV2 {
  const signature = signElevenLabsPayload(rawBody, hmacKey, Math.floor(Date.now() / 1000));
  return apiGatewayEvent({ body: rawBody, headers: { 'elevenlabs-signature': signature } });
}

/** The SQS message S3 sends the ingest queue when `key` is written to the inbox. */
export function ingestEvent(bucket: string, key: string, size: number): SQSEvent {
  const now = new Date();
  const notification = {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: now.toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          // S3 URL-encodes keys in notifications, form-style.
          object: {
            key: key
              .split('/')
              .map((s) => encodeURIComponent(s).replace(/%20/g, '+'))
              .join('/'),
            size,
          },
        },
      },
    ],
  };
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: randomUUID(),
        body: JSON.stringify(notification),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(now.getTime()),
          SenderId: 'AIDAEXAMPLE',
          ApproximateFirstReceiveTimestamp: String(now.getTime()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:agentic-memory-ingest',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

/**
 * The recorded call under another conversation id of the same length, so that every ingest
 * is a new conversation (not an idempotent repeat) and every body has the same size.
 */
export function asConversation(
  rawBody: Buffer,
  originalId: string,
  label: string,
): { conversationId: string; body: Buffer } {
  const prefix = `conv_${label}_`;
  if (prefix.length > originalId.length) throw new Error(`conversation label ${label} is too long`);
  const conversationId = prefix.padEnd(originalId.length, '0');
  return { conversationId, body: Buffer.from(rawBody.toString('utf8').split(originalId).join(conversationId), 'utf8') };
}
