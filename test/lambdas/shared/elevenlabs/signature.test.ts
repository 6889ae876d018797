import { createHmac } from 'node:crypto';
import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js';
import { readRequest } from '../../../../lambdas/shared/http/request';
import {
  SIGNATURE_MAX_AGE_MS,
  SIGNATURE_MAX_FUTURE_SKEW_MS,
  signElevenLabsPayload,
  verifyElevenLabsSignature,
} from '../../../../lambdas/shared/elevenlabs/signature';
import { readFixture } from '../../../support/fixtures';
import { apiGatewayEvent } from '../../../support/http-event';
import { TEST_WEBHOOK_SECRET as SECRET, signedPostCall } from '../../../support/signing';

/** Every fixture that is a post-call webhook body (the initiation ones are not signed). */
const POST_CALL_FIXTURES = [
  'elevenlabs/documented/post_call_transcription.json',
  'elevenlabs/documented/post_call_audio.json',
  'elevenlabs/documented/call_initiation_failure.twilio.json',
  'elevenlabs/documented/call_initiation_failure.sip.json',
  'elevenlabs/recorded/post_call_transcription.short-greeting.json',
  'elevenlabs/recorded/post_call_transcription.memoir-session-1.json',
  'elevenlabs/recorded/post_call_transcription.memoir-session-2-35min.json',
  'elevenlabs/recorded/seed-legacy-flat.json',
];

// The official verifier: async, takes the body as a string, always checks against Date.now().
const sdk = new ElevenLabsClient({ apiKey: 'unused-in-these-tests' }).webhooks;

async function sdkAccepts(rawBody: Buffer, header: string, secret = SECRET): Promise<boolean> {
  try {
    await sdk.constructEvent(rawBody.toString('utf8'), header, secret);
    return true;
  } catch {
    return false;
  }
}

const nowSecs = () => Math.floor(Date.now() / 1000);
const oursAccepts = (rawBody: Buffer, header: string | undefined, secret = SECRET) =>
  verifyElevenLabsSignature(rawBody, header, secret).ok;

describe('ElevenLabs signature: ours and the official SDK agree on every post-call fixture', () => {
  describe.each(POST_CALL_FIXTURES)('%s', (fixture) => {
    // Read when the tests run, not while jest collects them: a missing fixture fails these tests by name.
    let rawBody: Buffer;
    beforeAll(() => {
      rawBody = readFixture(fixture);
    });

    it('both accept it signed with the secret', async () => {
      const timestampSecs = nowSecs();
      const { signature } = signedPostCall(rawBody, SECRET, { timestampSecs });
      expect(verifyElevenLabsSignature(rawBody, signature, SECRET)).toEqual({ ok: true, timestamp: timestampSecs });
      await expect(sdk.constructEvent(rawBody.toString('utf8'), signature, SECRET)).resolves.toEqual(
        JSON.parse(rawBody.toString('utf8')),
      );
    });

    it('both reject a tampered body', async () => {
      const { signature } = signedPostCall(rawBody, SECRET);
      const tampered = Buffer.from(rawBody);
      const at = tampered.indexOf('"conversation_id"') + 20;
      tampered[at] = tampered[at] === 0x41 ? 0x42 : 0x41;
      expect(verifyElevenLabsSignature(tampered, signature, SECRET)).toEqual({
        ok: false,
        reason: 'signature does not match',
      });
      expect(await sdkAccepts(tampered, signature)).toBe(false);
    });

    it('both reject it signed with another secret', async () => {
      const { signature } = signedPostCall(rawBody, 'wsec_someone_else');
      expect(oursAccepts(rawBody, signature)).toBe(false);
      expect(await sdkAccepts(rawBody, signature)).toBe(false);
    });

    it('both reject a signature 31 minutes old', async () => {
      const { signature } = signedPostCall(rawBody, SECRET, { timestampSecs: nowSecs() - 31 * 60 });
      expect(verifyElevenLabsSignature(rawBody, signature, SECRET)).toEqual({
        ok: false,
        reason: 'signature timestamp is too old',
      });
      expect(await sdkAccepts(rawBody, signature)).toBe(false);
    });

    it('both accept a signature 29 minutes old (a delayed retry)', async () => {
      const { signature } = signedPostCall(rawBody, SECRET, { timestampSecs: nowSecs() - 29 * 60 });
      expect(oursAccepts(rawBody, signature)).toBe(true);
      expect(await sdkAccepts(rawBody, signature)).toBe(true);
    });

    it('ours rejects a timestamp 10 minutes in the future, which the SDK accepts', async () => {
      const { signature } = signedPostCall(rawBody, SECRET, { timestampSecs: nowSecs() + 10 * 60 });
      expect(verifyElevenLabsSignature(rawBody, signature, SECRET)).toEqual({
        ok: false,
        reason: 'signature timestamp is in the future',
      });
      expect(await sdkAccepts(rawBody, signature)).toBe(true);
    });
  });
});

describe('ElevenLabs signature: tolerances', () => {
  const body = Buffer.from('{"type":"post_call_transcription","data":{"conversation_id":"conv_1"}}');
  const now = 1_768_406_509_000;
  const at = (offsetMs: number) => signElevenLabsPayload(body, SECRET, (now + offsetMs) / 1000);

  it('accepts up to 30 minutes in the past and refuses beyond', () => {
    expect(SIGNATURE_MAX_AGE_MS).toBe(30 * 60 * 1000);
    expect(verifyElevenLabsSignature(body, at(-SIGNATURE_MAX_AGE_MS), SECRET, now).ok).toBe(true);
    expect(verifyElevenLabsSignature(body, at(-SIGNATURE_MAX_AGE_MS - 1000), SECRET, now)).toEqual({
      ok: false,
      reason: 'signature timestamp is too old',
    });
  });

  it('accepts up to 5 minutes of clock skew into the future and refuses beyond', () => {
    expect(SIGNATURE_MAX_FUTURE_SKEW_MS).toBe(5 * 60 * 1000);
    expect(verifyElevenLabsSignature(body, at(SIGNATURE_MAX_FUTURE_SKEW_MS), SECRET, now).ok).toBe(true);
    expect(verifyElevenLabsSignature(body, at(SIGNATURE_MAX_FUTURE_SKEW_MS + 1000), SECRET, now)).toEqual({
      ok: false,
      reason: 'signature timestamp is in the future',
    });
  });

  it('returns the signed timestamp in seconds', () => {
    expect(verifyElevenLabsSignature(body, at(-5000), SECRET, now)).toEqual({ ok: true, timestamp: now / 1000 - 5 });
  });

  it('binds the timestamp: a valid v0 replayed under a fresher t is refused', () => {
    const old = signElevenLabsPayload(body, SECRET, now / 1000 - 3600);
    const v0 = old.split(',')[1];
    expect(verifyElevenLabsSignature(body, `t=${now / 1000},${v0}`, SECRET, now)).toEqual({
      ok: false,
      reason: 'signature does not match',
    });
  });

  it('refuses everything when the secret is not configured', () => {
    expect(verifyElevenLabsSignature(body, signElevenLabsPayload(body, '', now / 1000), '', now)).toEqual({
      ok: false,
      reason: 'webhook secret is not configured',
    });
  });
});

describe('ElevenLabs signature: header shapes', () => {
  const body = Buffer.from('{"type":"post_call_audio","data":{"conversation_id":"conv_1","full_audio":"AAAA"}}');
  const t = nowSecs();
  const hex = signElevenLabsPayload(body, SECRET, t).split('v0=')[1];
  const wrongHex = signElevenLabsPayload(body, 'wsec_other', t).split('v0=')[1];

  it.each([
    ['no header', undefined, 'signature header is missing'],
    ['an empty header', '', 'signature header is missing'],
    ['only whitespace', '   ', 'signature header is missing'],
    ['no timestamp', `v0=${hex}`, 'signature header has no timestamp (t=)'],
    ['no v0', `t=${t}`, 'signature header has no v0 signature'],
    ['a non-numeric timestamp', `t=abc,v0=${hex}`, 'signature timestamp is not a number'],
    ['an empty timestamp', `t=,v0=${hex}`, 'signature timestamp is not a number'],
    ['a fractional timestamp', `t=${t}.5,v0=${hex}`, 'signature timestamp is not a number'],
    ['a negative timestamp', `t=-${t},v0=${hex}`, 'signature timestamp is not a number'],
    ['two timestamps', `t=${t},t=${t},v0=${hex}`, 'signature header has more than one timestamp'],
    ['an empty v0', `t=${t},v0=`, 'v0 signature is not 64 lowercase hex characters'],
    ['63 hex characters', `t=${t},v0=${hex.slice(1)}`, 'v0 signature is not 64 lowercase hex characters'],
    ['65 hex characters', `t=${t},v0=${hex}0`, 'v0 signature is not 64 lowercase hex characters'],
    ['64 non-hex characters', `t=${t},v0=${'z'.repeat(64)}`, 'v0 signature is not 64 lowercase hex characters'],
    ['upper-case hex', `t=${t},v0=${hex.toUpperCase()}`, 'v0 signature is not 64 lowercase hex characters'],
    [
      'base64 instead of hex',
      `t=${t},v0=${Buffer.from(hex, 'hex').toString('base64')}`,
      'v0 signature is not 64 lowercase hex characters',
    ],
    ['semicolons as separators', `t=${t};v0=${hex}`, 'signature timestamp is not a number'],
    ['a bare word', 'garbage', 'signature header is malformed'],
    ['a GitHub-style header', `sha256=${hex}`, 'signature header has no timestamp (t=)'],
    ['a wrong signature', `t=${t},v0=${wrongHex}`, 'signature does not match'],
    ['an oversized header', `t=${t},v0=${hex},${'v1=x,'.repeat(500)}`, 'signature header is too long'],
  ])('refuses %s', (_shape, header, reason) => {
    expect(verifyElevenLabsSignature(body, header, SECRET)).toEqual({ ok: false, reason });
  });

  it('accepts the fields in either order, as the SDK does', async () => {
    const header = `v0=${hex},t=${t}`;
    expect(oursAccepts(body, header)).toBe(true);
    expect(await sdkAccepts(body, header)).toBe(true);
  });

  it('tolerates whitespace around the fields, which the SDK does not', async () => {
    const header = ` t = ${t} ,  v0=${hex} `;
    expect(oursAccepts(body, header)).toBe(true);
    expect(await sdkAccepts(body, header)).toBe(false);
  });

  it('accepts when any of several v0 entries matches; the SDK looks only at the first', async () => {
    expect(oursAccepts(body, `t=${t},v0=${wrongHex},v0=${hex}`)).toBe(true);
    expect(await sdkAccepts(body, `t=${t},v0=${wrongHex},v0=${hex}`)).toBe(false);
    expect(oursAccepts(body, `t=${t},v0=${hex},v0=${wrongHex}`)).toBe(true);
    expect(await sdkAccepts(body, `t=${t},v0=${hex},v0=${wrongHex}`)).toBe(true);
  });

  it('ignores other schemes next to a valid v0', () => {
    expect(oursAccepts(body, `t=${t},v1=${'0'.repeat(64)},v0=${hex}`)).toBe(true);
  });

  it('refuses a non-numeric timestamp that the SDK lets through when it is signed', async () => {
    // The SDK's age check is `Number(t) * 1000 < now - 30 min`, which is false for NaN.
    const v0 = createHmac('sha256', SECRET)
      .update(`soon.${body.toString('utf8')}`)
      .digest('hex');
    expect(await sdkAccepts(body, `t=soon,v0=${v0}`)).toBe(true);
    expect(verifyElevenLabsSignature(body, `t=soon,v0=${v0}`, SECRET)).toEqual({
      ok: false,
      reason: 'signature timestamp is not a number',
    });
  });
});

describe('ElevenLabs signature: raw bytes', () => {
  const payload = {
    type: 'post_call_transcription',
    event_timestamp: 1768406506,
    data: { conversation_id: 'conv_1', transcript: [{ role: 'user', message: 'Grüße — “quoted” café' }] },
  };
  const pretty = Buffer.from(JSON.stringify(payload, null, 2), 'utf8');

  it('accepts a body that API Gateway delivered base64-encoded, once decoded to the same bytes', () => {
    const { rawBody, signature } = signedPostCall(pretty, SECRET);
    const event = apiGatewayEvent({ body: rawBody, base64: true, headers: { 'ElevenLabs-Signature': signature } });
    expect(event.isBase64Encoded).toBe(true);
    const request = readRequest(event, 6 * 1024 * 1024);
    expect(request.rawBody.equals(rawBody)).toBe(true);
    expect(oursAccepts(request.rawBody, request.headers['elevenlabs-signature'])).toBe(true);
  });

  it('both reject the same JSON re-serialised with different whitespace', async () => {
    const { signature } = signedPostCall(pretty, SECRET);
    const compact = Buffer.from(JSON.stringify(JSON.parse(pretty.toString('utf8'))), 'utf8');
    expect(compact.equals(pretty)).toBe(false);
    expect(oursAccepts(compact, signature)).toBe(false);
    expect(await sdkAccepts(compact, signature)).toBe(false);
  });

  it('verifies bytes, not text: bytes that do not survive a UTF-8 round trip verify only as sent', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"type":"x","data":{"note":"'),
      Buffer.from([0xe9, 0xff]),
      Buffer.from('"}}'),
    ]);
    const { signature } = signedPostCall(bytes, SECRET);
    const reencoded = Buffer.from(bytes.toString('utf8'), 'utf8');
    expect(reencoded.equals(bytes)).toBe(false);
    expect(oursAccepts(bytes, signature)).toBe(true);
    expect(oursAccepts(reencoded, signature)).toBe(false);
  });

  it('signs strings as their UTF-8 bytes', () => {
    const text = pretty.toString('utf8');
    expect(signElevenLabsPayload(text, SECRET, 1768406506)).toBe(signElevenLabsPayload(pretty, SECRET, 1768406506));
  });
});
