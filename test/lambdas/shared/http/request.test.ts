import { refusal } from '../../../support/refusal';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseJsonObject, readRequest, secretsEqual } from '../../../../lambdas/shared/http';

const event = (body: string, isBase64Encoded = false, headers: Record<string, string> = {}) =>
  ({
    body,
    isBase64Encoded,
    headers,
    requestContext: { http: { sourceIp: '127.0.0.1' } },
  }) as unknown as APIGatewayProxyEventV2;

describe('readRequest', () => {
  it('lower-cases header names and keeps the body bytes', () => {
    const request = readRequest(event('{"a":1}', false, { 'X-Workspace-Key': 'k' }), 100);
    expect(request.headers['x-workspace-key']).toBe('k');
    expect(request.rawBody.toString()).toBe('{"a":1}');
    expect(request.sourceIp).toBe('127.0.0.1');
  });

  it('decodes a base64 body to the exact bytes sent', () => {
    const bytes = Buffer.from('{"name":"Margaret – “quoted”"}', 'utf8');
    expect(readRequest(event(bytes.toString('base64'), true), 100).rawBody.equals(bytes)).toBe(true);
  });

  it('refuses a body over the cap with 413, plain or base64', () => {
    expect(refusal(() => readRequest(event('x'.repeat(101)), 100)).statusCode).toBe(413);
    expect(refusal(() => readRequest(event(Buffer.alloc(101).toString('base64'), true), 100)).statusCode).toBe(413);
  });
});

describe('parseJsonObject', () => {
  it.each([
    ['', 'body is empty'],
    ['{not json', 'not valid JSON'],
    ['[1,2]', 'must be a JSON object'],
    ['null', 'must be a JSON object'],
    ['"text"', 'must be a JSON object'],
  ])('refuses %p with 400 saying %p', (body, message) => {
    const error = refusal(() => parseJsonObject(Buffer.from(body)));
    expect(error.statusCode).toBe(400);
    expect(error.message).toContain(message);
  });

  it('refuses invalid UTF-8', () => {
    expect(refusal(() => parseJsonObject(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).message).toContain(
      'UTF-8',
    );
  });

  it('parses an object', () => {
    expect(parseJsonObject(Buffer.from('{"caller_id":"+1"}'))).toEqual({ caller_id: '+1' });
  });

  it('ignores one leading UTF-8 byte-order mark, in the bytes or in the text already decoded', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"caller_id":"+1"}')]);
    expect(parseJsonObject(bytes)).toEqual({ caller_id: '+1' });
    const request = readRequest(event(`\uFEFF{"caller_id":"+1"}`), 100);
    expect(request.rawBody.equals(bytes)).toBe(true);
    expect(parseJsonObject(request.rawBody, request.text)).toEqual({ caller_id: '+1' });
    expect(refusal(() => parseJsonObject(Buffer.from(`\uFEFF\uFEFF{}`))).message).toContain('not valid JSON');
  });
});

describe('secretsEqual', () => {
  it('is true only for the same non-empty secret', () => {
    expect(secretsEqual('s3cret', 's3cret')).toBe(true);
    expect(secretsEqual('s3cret', 's3creT')).toBe(false);
    expect(secretsEqual('s3cret', 's3cret-longer')).toBe(false);
    expect(secretsEqual('', '')).toBe(false);
  });
});
