import { audioKey, rawPostCallKey, type Archive } from '../shared/archive';
import type { Secrets } from '../shared/config';
import type { PostCallEvent } from '../shared/elevenlabs/post-call-event';
import { parsePostCallPayload } from '../shared/elevenlabs/post-call-schema';
import { SIGNATURE_HEADER, verifyElevenLabsSignature } from '../shared/elevenlabs/signature';

export { SIGNATURE_HEADER };
import {
  HttpError,
  httpEndpoint,
  jsonResponse,
  parseJsonObject,
  readRequest,
  readSecret,
  type SourceAllowList,
  unauthorized,
  type HttpEndpoint,
} from '../shared/http';
import { redactedMessage } from '../shared/logging';
import { METRIC, MetricUnit, type Powertools } from '../shared/powertools';

/** The Lambda synchronous-invocation maximum: nothing larger can arrive through API Gateway. */
export const MAX_POST_CALL_BYTES = 6 * 1024 * 1024;

export interface PostCallDependencies {
  secrets: Secrets;
  archive: Archive;
  tools: Powertools;
  /** Optional source-address allow-list (ElevenLabs' egress IPs); empty allows everyone. */
  allowList?: SourceAllowList;
  now?: () => Date;
}

/**
 * Post-call webhook receiver: verify, store durably, answer. It does the least that makes a
 * delivery durable; turning a call into memories happens in the ingest worker, triggered by
 * the archived object. A 200 means the payload is in S3; anything that is not stored is not
 * acknowledged, so ElevenLabs records the failure and can retry.
 */
export function createPostCallHandler(deps: PostCallDependencies): HttpEndpoint {
  const { tools } = deps;
  const now = deps.now ?? (() => new Date());

  return httpEndpoint(tools, async (event) => {
    const request = readRequest(event, MAX_POST_CALL_BYTES);
    deps.allowList?.check(request.sourceIp);
    const secret = await readSecret(deps.secrets, 'hmacKey', tools);
    const check = verifyElevenLabsSignature(request.rawBody, request.headers[SIGNATURE_HEADER], secret);
    if (!check.ok) {
      tools.metrics.addMetric(METRIC.signatureRejections, MetricUnit.Count, 1);
      throw unauthorized(`invalid ElevenLabs-Signature header: ${check.reason}`);
    }

    const payload = parsePostCallPayload(parseJsonObject(request.rawBody, request.text));
    const conversationId = conversationIdOf(payload);
    tools.logger.setCorrelationId(conversationId);
    const key = await store(payload, request.rawBody, conversationId);
    tools.logger.info('post-call stored', { type: wireTypeOf(payload), key, bytes: request.rawBody.length });
    return jsonResponse(200, { status: 'ok' });
  });

  async function store(payload: PostCallEvent, rawBody: Buffer, conversationId: string): Promise<string> {
    const key =
      payload.type === 'post_call_audio'
        ? audioKey(conversationId)
        : rawPostCallKey(wireTypeOf(payload), conversationId, rawBody, now());
    try {
      if (payload.type === 'post_call_audio') {
        await deps.archive.putAudio(key, Buffer.from(payload.audioBase64, 'base64'));
      } else {
        await deps.archive.putJson(key, rawBody);
      }
      return key;
    } catch (error) {
      tools.metrics.addMetric(METRIC.archiveFailures, MetricUnit.Count, 1);
      tools.logger.error('post-call archive failed: not acknowledging', { error: redactedMessage(error) });
      throw new HttpError(503, 'the payload could not be stored; retry later');
    }
  }
}

function wireTypeOf(payload: PostCallEvent): string {
  return payload.type === 'other' ? payload.wireType : payload.type;
}

function conversationIdOf(payload: PostCallEvent): string {
  switch (payload.type) {
    case 'post_call_transcription':
      return payload.conversation.conversationId;
    case 'post_call_audio':
      return payload.conversationId;
    default:
      return payload.conversationId ?? 'no-conversation';
  }
}
