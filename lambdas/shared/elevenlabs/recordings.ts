import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

export const DEFAULT_ELEVENLABS_API_HOST = 'https://api.elevenlabs.io';
const API_KEY_HEADER = 'xi-api-key';

/** A recording as it arrives: a stream, never a buffer (a two-hour call is ~100 MB). */
export interface Recording {
  body: Readable;
  contentType: string;
}

/** Where recordings come from; `undefined` means the conversation has none (any more). */
export interface RecordingSource {
  open(conversationId: string, signal: AbortSignal): Promise<Recording | undefined>;
}

/** Why a download failed, in terms the worker acts on. */
export class RecordingDownloadError extends Error {
  constructor(
    message: string,
    /** retryable: try again (rate limit, outage, dropped connection); permanent: the request is wrong. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RecordingDownloadError';
  }
}

/**
 * `GET {host}/v1/convai/conversations/{id}/audio` with the `xi-api-key` header (CONTRACTS.md §2):
 * the full recording of any length, which webhooks cannot carry past API Gateway's limits.
 */
export class ElevenLabsRecordings implements RecordingSource {
  constructor(
    private readonly apiKey: () => Promise<string>,
    private readonly host: string = DEFAULT_ELEVENLABS_API_HOST,
  ) {}

  async open(conversationId: string, signal: AbortSignal): Promise<Recording | undefined> {
    const url = `${this.host.replace(/\/+$/, '')}/v1/convai/conversations/${encodeURIComponent(conversationId)}/audio`;
    let response: Response;
    try {
      response = await fetch(url, { headers: { [API_KEY_HEADER]: await this.apiKey() }, signal });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new RecordingDownloadError(`ElevenLabs audio download failed: ${describe(error)}`, true, { cause: error });
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      const status = response.status;
      const retryable = status >= 500 || status === 408 || status === 429;
      throw new RecordingDownloadError(`ElevenLabs audio download answered HTTP ${status}`, retryable);
    }
    const body = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
    return { body, contentType: response.headers.get('content-type') || 'audio/mpeg' };
  }
}

/** `TypeError | ECONNREFUSED | fetch failed`: fetch hides the socket error in its cause. */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 4; depth++) {
    const { name, code, message, cause } = current as {
      name?: unknown;
      code?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    for (const part of [name, code, message]) if (typeof part === 'string' && !parts.includes(part)) parts.push(part);
    current = cause;
  }
  return parts.join(' | ') || String(error);
}
