import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback stand-in for the one ElevenLabs API route the ingest worker calls:
 * `GET /v1/convai/conversations/{id}/audio` with `xi-api-key`. Recordings are generated on the
 * fly, deterministically from their id, and sent in chunks with backpressure, so a test can serve
 * a recording of any size without holding it and check what arrived by its hash.
 */
export interface RecordingBehaviour {
  /** normal: serve; status: answer `status`; drop: cut the connection after `afterBytes`; stall: send headers, then nothing. */
  mode: 'normal' | 'status' | 'drop' | 'stall';
  status?: number;
  afterBytes?: number;
  /** Misbehave for this many requests, then serve normally. Default: until the next behave(). */
  times?: number;
}

const CHUNK_BYTES = 64 * 1024;

export class ElevenLabsLoopback {
  readonly requests: Array<{ path: string; apiKey?: string }> = [];
  /** When the last byte of each fully served recording was written, by conversation id. */
  readonly finishedAt = new Map<string, number>();
  private readonly recordings = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  private behaviour: RecordingBehaviour = { mode: 'normal' };
  private remaining?: number;
  private readonly server = http.createServer((request, response) => this.handle(request, response));

  private constructor(readonly apiKey: string) {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(apiKey = 'xi-loopback-key'): Promise<ElevenLabsLoopback> {
    const loopback = new ElevenLabsLoopback(apiKey);
    await new Promise<void>((resolve) => loopback.server.listen(0, '127.0.0.1', () => resolve()));
    return loopback;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Makes a recording of `bytes` available for the conversation. */
  addRecording(conversationId: string, bytes: number): void {
    this.recordings.set(conversationId, bytes);
  }

  behave(behaviour: RecordingBehaviour): void {
    this.behaviour = behaviour;
    this.remaining = behaviour.times;
  }

  /** The SHA-256 of the recording as served, computed the same way, without serving it. */
  expectedHash(conversationId: string): string {
    const hash = createHash('sha256');
    for (const chunk of chunksOf(conversationId, this.recordings.get(conversationId) ?? 0)) hash.update(chunk);
    return hash.digest('hex');
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const apiKey = request.headers['xi-api-key'];
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    this.requests.push({ path, apiKey: typeof apiKey === 'string' ? apiKey : undefined });
    const match = /^\/v1\/convai\/conversations\/([^/]+)\/audio$/.exec(path);
    if (request.method !== 'GET' || !match) return void send(response, 404, { detail: 'Not found' });
    if (apiKey !== this.apiKey) return void send(response, 401, { detail: { status: 'invalid_api_key' } });

    const behaviour = this.behaviour;
    if (this.remaining !== undefined && --this.remaining <= 0) this.behave({ mode: 'normal' });
    if (behaviour.mode === 'status') return void send(response, behaviour.status ?? 500, { detail: 'injected' });

    const conversationId = decodeURIComponent(match[1]);
    const size = this.recordings.get(conversationId);
    if (size === undefined) return void send(response, 404, { detail: { status: 'conversation_not_found' } });
    response.writeHead(200, { 'content-type': 'audio/mpeg' });
    if (behaviour.mode === 'stall') return void response.flushHeaders();
    void this.stream(
      response,
      conversationId,
      size,
      behaviour.mode === 'drop' ? (behaviour.afterBytes ?? 0) : undefined,
    );
  }

  private async stream(
    response: http.ServerResponse,
    conversationId: string,
    size: number,
    dropAfter?: number,
  ): Promise<void> {
    let sent = 0;
    for (const chunk of chunksOf(conversationId, size)) {
      if (response.destroyed) return;
      if (dropAfter !== undefined && sent >= dropAfter) {
        response.socket?.destroy();
        return;
      }
      sent += chunk.length;
      if (!response.write(chunk)) await new Promise((resolve) => response.once('drain', resolve));
    }
    response.end(() => this.finishedAt.set(conversationId, performance.now()));
  }
}

/** Deterministic bytes: chunk n is SHA-256 of (id, n) repeated. */
function* chunksOf(conversationId: string, size: number): Generator<Buffer> {
  for (let offset = 0, n = 0; offset < size; offset += CHUNK_BYTES, n++) {
    const seed = createHash('sha256').update(`${conversationId}:${n}`).digest();
    const length = Math.min(CHUNK_BYTES, size - offset);
    const chunk = Buffer.alloc(length);
    for (let at = 0; at < length; at += seed.length) seed.copy(chunk, at);
    yield chunk;
  }
}

function send(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
