import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { HttpBridge, MAX_REQUEST_BYTES, clientAddress } from '../../lambdas/local/http-bridge';

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
