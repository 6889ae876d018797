import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestContext.time` format: `21/Nov/2026:13:00:00 +0000`. */
function apiGatewayTime(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}:` +
    `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} +0000`
  );
}

/** A Lambda context whose remaining time counts down from `timeoutMs` (default 10 s) from now. */
export function lambdaContext(functionName: string, options: { timeoutMs?: number } = {}): Context {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const callbackStyle = () => {
    throw new Error('callback-style Lambda completion is not supported: return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomUUID()}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: callbackStyle,
    fail: callbackStyle,
    succeed: callbackStyle,
  };
}
