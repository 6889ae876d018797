import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { METRIC, MetricUnit, elapsedMs, type Powertools } from '../powertools';
import type { SecretName, Secrets } from '../config/secrets';
import { loggableError } from '../logging';
import { HttpError, unauthorized } from './errors';
import type { HttpRequest } from './request';
import { errorResponse, jsonResponse, type HttpResponse } from './response';
import { secretsEqual } from './constant-time';

export type HttpEndpoint = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResponse>;

/**
 * The frame every HTTP handler runs in: Lambda context in the logs, cold-start and latency
 * metrics, refusals (HttpError) answered with their status and message, anything unexpected
 * logged and answered 500 without details.
 */
export function httpEndpoint(
  tools: Powertools,
  handle: (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResponse>,
): HttpEndpoint {
  return async (event, context) => {
    const startedAt = performance.now();
    tools.logger.addContext(context);
    tools.metrics.captureColdStartMetric();
    let response: HttpResponse;
    try {
      response = await handle(event, context);
    } catch (error) {
      if (error instanceof HttpError) {
        tools.logger.info('request refused', { statusCode: error.statusCode, reason: error.message });
        response = errorResponse(error);
      } else {
        tools.logger.error('request failed', { error: loggableError(error) });
        response = jsonResponse(500, { error: 'internal error' });
      }
    }
    tools.metrics.addMetric(METRIC.latency, MetricUnit.Milliseconds, elapsedMs(startedAt));
    tools.metrics.publishStoredMetrics();
    tools.logger.resetKeys();
    return response;
  };
}

/** A secret we cannot read is our outage, not the client's fault: 503, so the client retries. */
export async function readSecret(secrets: Secrets, name: SecretName, tools: Powertools): Promise<string> {
  try {
    return await secrets.get(name);
  } catch (error) {
    tools.logger.error('secret unavailable', { secret: name, error: loggableError(error) });
    throw new HttpError(503, 'service temporarily unavailable');
  }
}

/** Checks a shared-key header in constant time; 401 naming the header when absent or wrong. */
export function requireKeyHeader(request: HttpRequest, header: string, expected: string): void {
  const presented = request.headers[header.toLowerCase()];
  if (presented === undefined || presented === '') throw unauthorized(`missing ${header} header`);
  if (!secretsEqual(presented, expected)) throw unauthorized(`invalid ${header} header`);
}
