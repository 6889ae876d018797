import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { apiGatewayTime } from '../../lambdas/local/http-bridge';
import { localLambdaContext } from '../../lambdas/local/lambda-context';

export interface ApiGatewayEventOptions {
  /** Objects are JSON-serialised; Buffers are sent byte for byte when `base64`, else as UTF-8 text. */
  body: Buffer | string | object;
  /** Names are lower-cased, as API Gateway delivers them; these override the defaults. */
  headers?: Record<string, string>;
  /** Deliver the body base64-encoded with `isBase64Encoded: true`, as HTTP APIs may. */
  base64?: boolean;
  sourceIp?: string;
  path?: string;
}

/** An HTTP API (payload format 2.0) POST event, as API Gateway hands it to a Lambda. */
export function apiGatewayEvent(options: ApiGatewayEventOptions): APIGatewayProxyEventV2 {
  const bytes = Buffer.isBuffer(options.body)
    ? options.body
    : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body), 'utf8');
  const sourceIp = options.sourceIp ?? '34.67.146.145';
  const path = options.path ?? '/';
  const now = new Date();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(bytes.length),
    host: 'abc123.execute-api.us-east-1.amazonaws.com',
    'user-agent': 'agentic-memory-tests',
    'x-forwarded-for': sourceIp,
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: headers.host,
      domainPrefix: 'abc123',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp, userAgent: headers['user-agent'] },
      requestId: randomUUID(),
      routeKey: `POST ${path}`,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    body: options.base64 ? bytes.toString('base64') : bytes.toString('utf8'),
    isBase64Encoded: options.base64 ?? false,
  };
}

/** A Lambda context whose remaining time counts down from `timeoutMs` (default 10 s) from now. */
export function lambdaContext(functionName: string, options: { timeoutMs?: number } = {}): Context {
  return localLambdaContext(functionName, options.timeoutMs ?? 10_000);
}
