import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { HttpError } from './errors';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

export function jsonResponse(statusCode: number, body: unknown): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

export function errorResponse(error: HttpError): HttpResponse {
  return jsonResponse(error.statusCode, { error: error.message });
}
