import { signElevenLabsPayload } from '../../lambdas/shared/elevenlabs/signature';
import { readFixture } from './fixtures';

/** The webhook HMAC secret tests sign with. */
export const TEST_WEBHOOK_SECRET = 'wsec_test_0123456789abcdef0123456789abcdef';

export interface SignedPostCall {
  rawBody: Buffer;
  /** The `ElevenLabs-Signature` header value. */
  signature: string;
}

/** Signs a payload as ElevenLabs would; objects are JSON-serialised, Buffers signed byte for byte. */
export function signedPostCall(
  payload: object | Buffer | string,
  secret: string = TEST_WEBHOOK_SECRET,
  options: { timestampSecs?: number } = {},
): SignedPostCall {
  const rawBody = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8');
  const timestampSecs = options.timestampSecs ?? Math.floor(Date.now() / 1000);
  return { rawBody, signature: signElevenLabsPayload(rawBody, secret, timestampSecs) };
}

/** A recorded webhook's exact bytes, by file name with or without `.json`, e.g. `'seed-legacy-flat'`. */
export function recordedPostCall(name: string): Buffer {
  const file = name.endsWith('.json') ? name : `${name}.json`;
  return readFixture(`elevenlabs/recorded/${file}`);
}
