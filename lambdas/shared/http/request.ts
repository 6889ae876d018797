import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpError, badRequest } from './errors';

/** What a handler needs of an HTTP API (payload v2) event. */
export interface HttpRequest {
  /** Header names lower-cased; API Gateway joins repeated headers with commas. */
  headers: Record<string, string>;
  /** The body exactly as sent: signatures are computed over these bytes. */
  rawBody: Buffer;
  /**
   * The same body as text, when API Gateway delivered it as text (not base64) and it is
   * well-formed: then it is exactly what decoding `rawBody` would give, and a large body need
   * not be decoded a second time to be parsed.
   */
  text?: string;
  sourceIp?: string;
}

/** Reads headers and the raw body, refusing bodies over `maxBytes` before anything parses them. */
export function readRequest(event: APIGatewayProxyEventV2, maxBytes: number): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const body = event.body ?? '';
  // Base64 is 4/3 of the bytes: refuse on the encoded length before decoding anything.
  const encodedLimit = event.isBase64Encoded ? Math.ceil((maxBytes * 4) / 3) + 4 : maxBytes;
  if (body.length > encodedLimit) throw tooLarge(maxBytes);
  const rawBody = Buffer.from(body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (rawBody.length > maxBytes) throw tooLarge(maxBytes);
  const text = !event.isBase64Encoded && isWellFormed(body) ? body : undefined;
  return { headers, rawBody, text, sourceIp: event.requestContext?.http?.sourceIp };
}

/** No lone surrogates (which UTF-8 encoding replaces, so the text would differ from the bytes). */
function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

function tooLarge(maxBytes: number) {
  return new HttpError(413, `body is larger than ${maxBytes} bytes`);
}

/**
 * Parses a JSON object body; anything else is a 400 that says what is wrong. `text`, when given,
 * is `rawBody` already decoded (HttpRequest.text). One leading UTF-8 byte-order mark is ignored
 * (RFC 8259 §8.1 allows parsers to): it is part of the bytes, and so of the signature, but not of
 * the JSON.
 */
export function parseJsonObject(rawBody: Buffer, text?: string): Record<string, unknown> {
  if (rawBody.length === 0) throw badRequest('body is empty: expected a JSON object');
  let parsed: unknown;
  try {
    parsed = JSON.parse(withoutBom(text ?? decodeUtf8Strict(rawBody)));
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw badRequest('body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest('body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

// ignoreBOM: a BOM stays in the text, whichever way it was decoded, and withoutBom removes it.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const BOM = '\uFEFF';

function withoutBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(BOM.length) : text;
}

function decodeUtf8Strict(bytes: Buffer): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw badRequest('body is not valid UTF-8');
  }
}
