import { connect } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { S3RVER_CREDENTIALS, startEmbeddedS3, type EmbeddedS3 } from '../../lambdas/local/embedded-s3';
import { HttpBridge, MAX_REQUEST_BYTES, clientAddress } from '../../lambdas/local/http-bridge';
import { createPostCallHandler } from '../../lambdas/post-call/handler';
import { createS3Client } from '../../lambdas/shared/archive/archive';
import { StaticSecrets } from '../../lambdas/shared/config';
import { signElevenLabsPayload } from '../../lambdas/shared/elevenlabs/signature';
import { createPowertools } from '../../lambdas/shared/powertools';
import { removeHome, tempHome } from './local-stack-support';

describe('HttpBridge: HTTP ⇄ API Gateway (payload 2.0) events', () => {
  let bridge: HttpBridge;
  let base: string;
  const seen: Array<{ event: APIGatewayProxyEventV2; context: Context }> = [];

  beforeAll(async () => {
    bridge = new HttpBridge(
      [
        {
          method: 'POST',
          path: '/echo',
          functionName: 'echo-function',
          timeoutMs: 5000,
          handler: async (event, context) => {
            seen.push({ event, context });
            return {
              statusCode: 201,
              headers: { 'X-Custom': 'yes' },
              cookies: ['a=1'],
              body: Buffer.from([0, 1, 2, 255]).toString('base64'),
              isBase64Encoded: true,
            };
          },
        },
        {
          method: 'POST',
          path: '/broken',
          functionName: 'broken-function',
          handler: async () => {
            throw new Error('boom');
          },
        },
      ],
      new Logger({ logLevel: 'SILENT' }),
    );
    base = `http://127.0.0.1:${await bridge.listen(0, '127.0.0.1')}`;
  });
  afterAll(() => bridge.close());
  beforeEach(() => {
    seen.length = 0;
  });

  it('builds the event API Gateway builds: raw text body, lower-cased headers, request context', async () => {
    const body = '{"caller_id": "+15555550123",  "spacing": "kept"}';
    const response = await fetch(`${base}/echo?a=1&b=2`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Workspace-Key': 'secret', Cookie: 'c=3; d=4' },
      body,
    });
    expect(response.status).toBe(201);
    const { event, context } = seen[0];
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /echo',
      rawPath: '/echo',
      rawQueryString: 'a=1&b=2',
      queryStringParameters: { a: '1', b: '2' },
      cookies: ['c=3', 'd=4'],
      body,
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'POST', path: '/echo', sourceIp: '127.0.0.1', protocol: 'HTTP/1.1' },
        stage: '$default',
        routeKey: 'POST /echo',
      },
    });
    expect(event.headers['x-workspace-key']).toBe('secret');
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(5000);
    expect(context.functionName).toBe('echo-function');
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(4000);
  });

  it('base64-encodes a body that is not UTF-8, byte for byte', async () => {
    const bytes = Buffer.from([0x7b, 0xff, 0x00, 0xfe, 0x7d]);
    await fetch(`${base}/echo`, { method: 'POST', body: bytes });
    expect(seen[0].event.isBase64Encoded).toBe(true);
    expect(Buffer.from(seen[0].event.body as string, 'base64').equals(bytes)).toBe(true);
  });

  it('turns the handler result into the HTTP response, decoding a base64 body', async () => {
    const response = await fetch(`${base}/echo`, { method: 'POST', body: '{}' });
    expect(response.headers.get('x-custom')).toBe('yes');
    expect(response.headers.get('set-cookie')).toBe('a=1');
    expect(response.headers.get('apigw-requestid')).toBe(seen[0].event.requestContext.requestId);
    expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from([0, 1, 2, 255]))).toBe(true);
  });

  it('answers as API Gateway does when the function fails, the route is unknown or the body too large', async () => {
    const failed = await fetch(`${base}/broken`, { method: 'POST', body: '{}' });
    expect([failed.status, await failed.json()]).toEqual([500, { message: 'Internal Server Error' }]);
    expect((await fetch(`${base}/missing`)).status).toBe(404);
    const tooLarge = await fetch(`${base}/echo`, { method: 'POST', body: Buffer.alloc(MAX_REQUEST_BYTES + 1) });
    expect(tooLarge.status).toBe(413);
    expect(seen).toHaveLength(0);
  });
});

describe('HttpBridge.close', () => {
  it('answers the requests in flight before it resolves', async () => {
    const bridge = new HttpBridge(
      [
        {
          method: 'POST',
          path: '/slow',
          functionName: 'slow-function',
          handler: async () => {
            await new Promise((resolve) => setTimeout(resolve, 100));
            return { statusCode: 200, body: '{"finished":true}' };
          },
        },
      ],
      new Logger({ logLevel: 'SILENT' }),
    );
    const port = await bridge.listen(0, '127.0.0.1');
    const inFlight = fetch(`http://127.0.0.1:${port}/slow`, { method: 'POST', body: '{}' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await bridge.close();
    const response = await inFlight;
    expect(await response.json()).toEqual({ finished: true });
    await expect(fetch(`http://127.0.0.1:${port}/slow`, { method: 'POST', body: '{}' })).rejects.toThrow();
  });
});

describe('clientAddress: the sourceIp of the event', () => {
  it('is the TCP peer, and behind a tunnel on this machine the address the tunnel saw', () => {
    expect(clientAddress('::ffff:10.0.0.5', '34.67.146.145')).toBe('10.0.0.5');
    expect(clientAddress('127.0.0.1', undefined)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', '6.6.6.6, 34.67.146.145')).toBe('34.67.146.145');
    expect(clientAddress('::1', 'not-an-address')).toBe('::1');
  });
});

describe('HttpBridge with the post-call handler: signatures over the bytes exactly as received', () => {
  const hmacKey = 'wsec_bridge_test_0123456789abcdef0123456789abcdef';
  const body = JSON.stringify({
    type: 'post_call_transcription',
    event_timestamp: 1768404600,
    data: { agent_id: 'agent_1', conversation_id: 'conv_bom', transcript: [] },
  });
  const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
  const withBom = Buffer.concat([BOM, Buffer.from(body)]);
  // The official verifier: async, takes the body as a string.
  const sdk = new ElevenLabsClient({ apiKey: 'unused-in-these-tests' }).webhooks;
  /** The SDK checks the HMAC first and then JSON.parses what it was given: a SyntaxError means the signature held. */
  const sdkVerdict = (text: string, header: string) =>
    sdk.constructEvent(text, header, hmacKey).then(
      () => 'accepted',
      (error: unknown) => (error instanceof ElevenLabsError ? `refused: ${error.message}` : 'signature matched'),
    );

  let home: string;
  let s3: EmbeddedS3;
  let bridge: HttpBridge;
  let base: string;

  beforeAll(async () => {
    home = await tempHome();
    s3 = await startEmbeddedS3({ directory: home });
    const postCall = createPostCallHandler({
      secrets: new StaticSecrets({ hmacKey }),
      archive: s3.archive,
      tools: createPowertools('post-call'),
    });
    bridge = new HttpBridge(
      [{ method: 'POST', path: '/post-call', functionName: 'post-call', handler: postCall }],
      new Logger({ logLevel: 'SILENT' }),
    );
    base = `http://127.0.0.1:${await bridge.listen(0, '127.0.0.1')}`;
  });
  afterAll(async () => {
    await bridge.close();
    await s3.close();
    await removeHome(home);
  });

  const post = (bytes: Buffer, signature: string) =>
    fetch(`${base}/post-call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'elevenlabs-signature': signature },
      body: bytes,
    });

  it('accepts a correctly signed body that begins with a UTF-8 BOM, and archives it byte for byte', async () => {
    const signature = signElevenLabsPayload(withBom, hmacKey, Date.now() / 1000);
    // The official verifier agrees that the signature covers the BOM; without it, it does not match.
    expect(await sdkVerdict(withBom.toString('utf8'), signature)).toBe('signature matched');
    expect(await sdkVerdict(body, signature)).toMatch(/^refused: Signature hash does not match/);

    const response = await post(withBom, signature);
    expect([response.status, await response.json()]).toEqual([200, { status: 'ok' }]);
    const keys = (await s3.listObjects('post-call/raw/')).map((object) => object.key);
    const key = keys.find((k) => k.includes('/conv_bom/'));
    expect(key).toBeDefined();
    expect(Buffer.from(await getBytes(s3, key!)).equals(withBom)).toBe(true);
  });

  it('refuses the same body signed without its BOM, and stores nothing', async () => {
    const before = await s3.listObjects('');
    const signature = signElevenLabsPayload(Buffer.from(body), hmacKey, Date.now() / 1000);
    const response = await post(withBom, signature);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toContain('signature does not match');
    expect(await s3.listObjects('')).toEqual(before);
  });
});

describe('HttpBridge: a client that stalls is cut off', () => {
  const timeouts = { headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 50 };
  let bridge: HttpBridge;
  let port: number;
  let invoked = 0;

  beforeAll(async () => {
    bridge = new HttpBridge(
      [
        {
          method: 'POST',
          path: '/post-call',
          functionName: 'post-call',
          handler: async () => {
            invoked += 1;
            return { statusCode: 200, body: '{}' };
          },
        },
      ],
      new Logger({ logLevel: 'SILENT' }),
      timeouts,
    );
    port = await bridge.listen(0, '127.0.0.1');
  });
  afterAll(() => bridge.close());

  /** Writes `request` on a raw socket, then sends nothing more; resolves with what came back once the server closes. */
  function stall(request: string): Promise<{ answer: string; ms: number }> {
    return new Promise((resolve, reject) => {
      const startedAt = performance.now();
      const socket = connect(port, '127.0.0.1', () => socket.write(request));
      let answer = '';
      const giveUp = setTimeout(() => {
        socket.destroy();
        reject(new Error(`the server held a stalled connection for 3 s; it sent: ${JSON.stringify(answer)}`));
      }, 3000);
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(giveUp);
        resolve({ answer, ms: performance.now() - startedAt });
      });
    });
  }

  it('answers 408 and closes a request that declares a large body and then stalls', async () => {
    const { answer, ms } = await stall(
      'POST /post-call HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        'Content-Length: 5000000\r\n\r\n{"type":"post_call_transcription","data":{',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeGreaterThanOrEqual(timeouts.requestTimeoutMs - 50);
    expect(ms).toBeLessThan(timeouts.requestTimeoutMs + 1500);
    expect(invoked).toBe(0);
  });

  it('answers 408 and closes a request whose headers never end', async () => {
    const { answer, ms } = await stall('POST /post-call HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le');
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeLessThan(timeouts.headersTimeoutMs + 1500);
    expect(invoked).toBe(0);
  });

  it('still serves a client that sends its request in time', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/post-call`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    expect(invoked).toBe(1);
  });
});

async function getBytes(s3: EmbeddedS3, key: string): Promise<Uint8Array> {
  const client = createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', credentials: S3RVER_CREDENTIALS });
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    return (await object.Body?.transformToByteArray()) ?? new Uint8Array();
  } finally {
    client.destroy();
  }
}

describe('HttpBridge made before its routes', () => {
  it('holds the port and answers 503 (retry shortly) until the routes are set, then serves them', async () => {
    const bridge = new HttpBridge(undefined, new Logger({ logLevel: 'SILENT' }));
    const base = `http://127.0.0.1:${await bridge.listen(0, '127.0.0.1')}`;
    try {
      const starting = await fetch(`${base}/health`);
      expect(starting.status).toBe(503);
      expect(starting.headers.get('retry-after')).toBe('1');

      bridge.setRoutes([
        {
          method: 'GET',
          path: '/health',
          functionName: 'health',
          handler: async () => ({ statusCode: 200, body: '{}' }),
        },
      ]);

      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
    } finally {
      await bridge.close();
    }
  });
});
