import { ElevenLabsClient, ElevenLabsError, ElevenLabsTimeoutError } from '@elevenlabs/elevenlabs-js';
import { ENV } from '../../lambdas/shared/config';
import { DEFAULT_ELEVENLABS_API_HOST } from '../../lambdas/shared/elevenlabs/recordings';
import { AdminError, EXIT, usageError } from '../admin-error';
import type { Deployment } from '../deployment';

type Env = Record<string, string | undefined>;

/** Rate limits and outages are waited out this many times per request, then the command fails. */
const MAX_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** A Retry-After longer than this is not waited for: the command fails and can be run again. */
const MAX_RETRY_AFTER_MS = 120_000;
const REQUEST_TIMEOUT_SECONDS = 30;

export interface Pause {
  /** What was asked, e.g. `GET conversation conv_1`. */
  request: string;
  /** Why: `HTTP 429` (rate limit), `HTTP 503`, `timeout`, … */
  reason: string;
  waitMs: number;
}

/**
 * The ElevenLabs API through the official client, with this CLI's own retry policy: the client's
 * retries are off (they give up after two), and every request goes through `call`, which waits
 * out rate limits (honouring Retry-After) and brief outages, and turns refusals into one clear
 * line with an exit code.
 */
export class ElevenLabsApi {
  constructor(
    readonly client: ElevenLabsClient,
    readonly host: string,
    private readonly options: { onPause?: (pause: Pause) => void; signal?: AbortSignal } = {},
  ) {}

  async call<T>(request: string, send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        const wait = retryDelay(error, attempt);
        if (wait === undefined || attempt >= MAX_ATTEMPTS || this.options.signal?.aborted) {
          throw describeFailure(request, error);
        }
        this.options.onPause?.({ request, reason: reasonOf(error), waitMs: wait });
        await sleep(wait, this.options.signal);
      }
    }
  }
}

/**
 * The client for the deployment's ElevenLabs workspace: the API key from ELEVENLABS_API_KEY, or
 * else the deployment's ElevenLabs API key secret; the host from ELEVENLABS_API_HOST (data
 * residency hosts, or a loopback server in tests).
 */
export async function openElevenLabsApi(
  deployment: Deployment,
  env: Env,
  options: { onPause?: (pause: Pause) => void; signal?: AbortSignal } = {},
): Promise<ElevenLabsApi> {
  const apiKey = env.ELEVENLABS_API_KEY?.trim() || (await deployment.secrets.storedValue('elevenLabsApiKey'));
  if (!apiKey) {
    throw usageError(
      `no ElevenLabs API key: set ELEVENLABS_API_KEY to an API key of the agent's workspace` +
        (deployment.name === 'local' ? '' : ` (or store one in the stack's ElevenLabs API key secret)`),
    );
  }
  const host = (env[ENV.elevenLabsApiHost]?.trim() || DEFAULT_ELEVENLABS_API_HOST).replace(/\/+$/, '');
  const client = new ElevenLabsClient({
    apiKey,
    baseUrl: host,
    maxRetries: 0,
    timeoutInSeconds: REQUEST_TIMEOUT_SECONDS,
  });
  return new ElevenLabsApi(client, host, options);
}

export function statusOf(error: unknown): number | undefined {
  return error instanceof ElevenLabsError ? error.statusCode : undefined;
}

/** How long to wait before trying again; undefined when trying again cannot help. */
function retryDelay(error: unknown, attempt: number): number | undefined {
  if (!(error instanceof ElevenLabsError)) return undefined;
  const status = error.statusCode;
  const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
  if (status === 429) {
    const retryAfter = retryAfterMs(error.rawResponse?.headers);
    if (retryAfter !== undefined) return retryAfter <= MAX_RETRY_AFTER_MS ? retryAfter : undefined;
    return backoff;
  }
  // No status: the request timed out or the connection failed.
  if (status === undefined || status === 408 || status >= 500) return backoff;
  return undefined;
}

/** Retry-After as seconds or as an HTTP date (RFC 9110 §10.2.3). */
function retryAfterMs(headers: Headers | undefined): number | undefined {
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function reasonOf(error: unknown): string {
  if (error instanceof ElevenLabsTimeoutError) return 'timeout';
  const status = statusOf(error);
  return status === undefined ? `no answer (${(error as Error).message})` : `HTTP ${status}`;
}

/** A refusal as one line: what was asked, the status, and ElevenLabs' own words (never the key). */
function describeFailure(request: string, error: unknown): AdminError {
  if (error instanceof AdminError) return error;
  const status = statusOf(error);
  const detail = detailOf(error);
  const base = `ElevenLabs ${request}: ${status === undefined ? reasonOf(error) : `HTTP ${status}`}${detail ? ` (${detail})` : ''}`;
  if (status === 401) {
    return new AdminError(`${base}: is ELEVENLABS_API_KEY an API key of the agent's workspace?`, EXIT.noAccess, {
      cause: error,
    });
  }
  if (status === 403) {
    return new AdminError(`${base}: the API key lacks the permission this needs`, EXIT.noAccess, { cause: error });
  }
  if (status === 404) return new AdminError(base, EXIT.notFound, { cause: error });
  return new AdminError(base, EXIT.failed, { cause: error });
}

/** ElevenLabs answers `{"detail": {"status", "message"}}`, or a list of validation problems for a 422. */
function detailOf(error: unknown): string | undefined {
  if (!(error instanceof ElevenLabsError)) return undefined;
  const detail = (error.body as { detail?: unknown } | undefined)?.detail;
  if (typeof detail === 'string') return detail.slice(0, 300);
  if (Array.isArray(detail)) {
    return detail
      .map((item) => {
        const { loc, msg } = (item ?? {}) as { loc?: unknown; msg?: unknown };
        return `${Array.isArray(loc) ? loc.join('.') : ''}: ${String(msg ?? '')}`;
      })
      .join('; ')
      .slice(0, 300);
  }
  if (detail && typeof detail === 'object') {
    const { message, status } = detail as { message?: unknown; status?: unknown };
    return (
      [status, message]
        .filter((part) => typeof part === 'string')
        .join(': ')
        .slice(0, 300) || undefined
    );
  }
  return undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
