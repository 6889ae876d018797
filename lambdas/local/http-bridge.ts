import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import type { Logger } from '@aws-lambda-powertools/logger';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { loggableError, redactedMessage } from '../shared/logging';
import { LOCAL_ACCOUNT, localLambdaContext } from './lambda-context';

/** What an HTTP API accepts at most; larger requests never reach a function. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export type RouteHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  /** The Lambda function the route invokes (its context's name). */
  functionName: string;
  handler: RouteHandler;
  /** The function's timeout, for the context's remaining time. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * How long a client may take to send a request. A client that declares a large body and then
 * stalls would otherwise hold its connection (and the body buffered so far) for as long as it
 * likes; past these limits Node answers 408 and closes the connection.
 */
export interface RequestTimeouts {
  /** From the connection's first byte to the end of the headers. */
  headersTimeoutMs: number;
  /** From the first byte to the end of the body (at least headersTimeoutMs). */
  requestTimeoutMs: number;
  /** How often connections are checked against the two limits. */
  checkIntervalMs: number;
}

/** Generous for a 10 MB body from ElevenLabs through a tunnel; a client that stalls is cut off. */
export const DEFAULT_REQUEST_TIMEOUTS: RequestTimeouts = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  checkIntervalMs: 1_000,
};
// ignoreBOM keeps a leading byte-order mark in the text (by default TextDecoder drops it): the
// event's body must encode back to the bytes exactly as sent, which signatures are computed over.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * An HTTP server that does what API Gateway (HTTP API, payload format 2.0) does in front of the
 * Lambda functions: each request becomes the event the function would receive on AWS, and the
 * function's result becomes the HTTP response.
 */
export class HttpBridge {
  private readonly server: Server;
  private readonly routes = new Map<string, Route>();
  /** No routes yet: the port is taken first, so that a start fails on a busy port before it creates anything. */
  private starting: boolean;
  private closing?: Promise<void>;

  /** `routes` undefined: everything answers 503 until `setRoutes`. */
  constructor(
    routes: Route[] | undefined,
    private readonly logger: Logger,
    timeouts: Partial<RequestTimeouts> = {},
  ) {
    this.starting = routes === undefined;
    for (const route of routes ?? []) this.routes.set(`${route.method} ${route.path}`, route);
    const limits = { ...DEFAULT_REQUEST_TIMEOUTS, ...timeouts };
    const options = {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    };
    this.server = createServer(options, (request, response) => {
      this.serve(request, response).catch((error: unknown) => {
        // A client that went away mid-request, or a request line URL cannot parse.
        this.logger.warn('request not answered', { error: redactedMessage(error) });
        // A connection closed under the request (the client, or a request timeout's 408) takes no answer.
        if (!response.headersSent && !request.socket.destroyed) {
          send(response, { statusCode: 400, body: '{"message":"Bad Request"}' });
        } else response.destroy();
      });
    });
  }

  /** Listens on `host:port` (0: an ephemeral port) and returns the port it got. */
  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  /** The functions behind a bridge made without routes; requests are served from now on. */
  setRoutes(routes: Route[]): void {
    for (const route of routes) this.routes.set(`${route.method} ${route.path}`, route);
    this.starting = false;
  }

  /** Stops accepting connections and resolves once every request in flight has been answered. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
    return this.closing;
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    // Prefixed rather than resolved against a base: '//x' must stay a path, not become a host.
    const url = new URL(`http://local${request.url?.startsWith('/') ? request.url : '/'}`);
    const method = request.method ?? 'GET';
    const route = this.routes.get(`${method} ${url.pathname}`);
    response.on('finish', () => {
      this.logger.info(`${method} ${url.pathname} ${response.statusCode}`, {
        ms: Math.round(performance.now() - startedAt),
      });
      // A keep-alive connection that goes idle while we are stopping would hold the stop up.
      if (this.closing) this.server.closeIdleConnections();
    });

    if (this.starting) {
      request.resume();
      return send(response, {
        statusCode: 503,
        headers: { 'retry-after': '1' },
        body: '{"message":"Service Unavailable: starting"}',
      });
    }
    if (!route) {
      request.resume();
      const allowed = [...this.routes.values()].filter((r) => r.path === url.pathname).map((r) => r.method);
      if (allowed.length > 0) {
        return send(response, {
          statusCode: 405,
          headers: { allow: allowed.join(', ') },
          body: '{"message":"Method Not Allowed"}',
        });
      }
      return send(response, { statusCode: 404, body: '{"message":"Not Found"}' });
    }

    const body = await readBody(request, MAX_REQUEST_BYTES);
    if (body === 'too large') {
      return send(response, {
        statusCode: 413,
        headers: { connection: 'close' },
        body: '{"message":"Request Entity Too Large"}',
      });
    }
    const event = apiGatewayEvent(request, url, route, body);
    let result: APIGatewayProxyResultV2;
    try {
      result = await route.handler(
        event,
        localLambdaContext(route.functionName, route.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      );
    } catch (error) {
      // On AWS an invocation error is a bare 500 from API Gateway; the function's own log has the cause.
      this.logger.error(`${route.functionName} failed`, { error: loggableError(error) });
      return send(response, { statusCode: 500, body: '{"message":"Internal Server Error"}' }, event);
    }
    send(response, typeof result === 'string' ? { statusCode: 200, body: result } : result, event);
  }
}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | 'too large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      request.resume();
      return 'too large';
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The HTTP API (payload format 2.0) event for one request, as API Gateway builds it. */
export function apiGatewayEvent(
  request: IncomingMessage,
  url: URL,
  route: Route,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const headerValues = new Map<string, string>();
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) joinRepeated(headerValues, raw[i].toLowerCase(), raw[i + 1]);
  const cookies = headerValues
    .get('cookie')
    ?.split(/;\s*/)
    .filter((c) => c !== '');
  headerValues.delete('cookie');
  const headers: Record<string, string> = Object.fromEntries(headerValues);

  const queryValues = new Map<string, string>();
  for (const [name, value] of url.searchParams) joinRepeated(queryValues, name, value);
  const query: Record<string, string> = Object.fromEntries(queryValues);

  const text = utf8OrUndefined(body);
  const now = new Date();
  const routeKey = `${route.method} ${route.path}`;
  const sourceIp = clientAddress(request.socket.remoteAddress, headers['x-forwarded-for']);
  const domainName = headers.host ?? 'localhost';
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0],
      http: {
        method: route.method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    // Text travels as it is; bytes that are not UTF-8 are base64-encoded, so none are lost.
    ...(body.length === 0 ? {} : { body: text ?? body.toString('base64') }),
    isBase64Encoded: body.length > 0 && text === undefined,
  };
}

/**
 * The address API Gateway would report: the TCP peer. Behind a tunnel (cloudflared, ngrok) that
 * peer is the tunnel's connector on this machine, which passes the caller on in X-Forwarded-For;
 * the rightmost entry is the one the tunnel's edge saw, the others are the client's own claims.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | undefined): string {
  const address = (peer ?? '127.0.0.1').replace(/^::ffff:/, '');
  if (!forwardedFor || !isLoopback(address)) return address;
  const forwarded = forwardedFor
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => isIP(entry) !== 0);
  return forwarded.at(-1) ?? address;
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}

/** API Gateway joins repeated headers and query parameters with commas. */
function joinRepeated(values: Map<string, string>, name: string, value: string): void {
  const previous = values.get(name);
  values.set(name, previous === undefined ? value : `${previous},${value}`);
}

function utf8OrUndefined(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function send(
  response: ServerResponse,
  result: APIGatewayProxyStructuredResultV2,
  event?: APIGatewayProxyEventV2,
): void {
  const headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (result.cookies && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
  if (event) headers['apigw-requestid'] = event.requestContext.requestId;
  const body = result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  response.writeHead(result.statusCode ?? 200, { ...headers, 'content-length': String(body.length) });
  response.end(body);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestContext.time` format: `21/Nov/2026:13:00:00 +0000`. */
export function apiGatewayTime(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}:` +
    `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} +0000`
  );
}
