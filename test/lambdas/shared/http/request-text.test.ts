import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseJsonObject, readRequest } from '../../../../lambdas/shared/http';

const event = (body: string, isBase64Encoded = false) =>
  ({
    body,
    isBase64Encoded,
    headers: {},
    requestContext: { http: { sourceIp: '127.0.0.1' } },
  }) as unknown as APIGatewayProxyEventV2;

describe('the body as text, decoded once', () => {
  it('is the delivered string when API Gateway sent text, exactly what the bytes decode to', () => {
    const body = '{"name":"Margaret – “quoted” 𝓜"}';
    const request = readRequest(event(body), 1000);
    expect(request.text).toBe(body);
    expect(request.rawBody.toString('utf8')).toBe(request.text);
  });

  it('is absent for a base64 body (only the bytes are known) and for text with a lone surrogate (the bytes differ)', () => {
    expect(readRequest(event(Buffer.from('{"a":1}').toString('base64'), true), 1000).text).toBeUndefined();
    const lone = readRequest(event('{"a":"\ud800"}'), 1000);
    expect(lone.text).toBeUndefined();
    expect(parseJsonObject(lone.rawBody, lone.text)).toEqual({ a: '\ufffd' });
  });

  it('is what parseJsonObject parses when given', () => {
    const request = readRequest(event('{"caller_id":"+16125550142"}'), 1000);
    expect(parseJsonObject(request.rawBody, request.text)).toEqual({ caller_id: '+16125550142' });
  });
});
