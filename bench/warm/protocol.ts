import type { MemoryBackendName } from '../../lib/contract';
import type { BenchSecrets } from '../peers';

/** One warm benchmark: the handler and its floor, invoked alternately in the same process. */
export type WarmScenario =
  | { kind: 'client-data'; name: string; callerId: string; memories: number }
  | { kind: 'retrieve'; name: string; callerId: string; query: string }
  | { kind: 'post-call'; name: string; payloadFile: string }
  | { kind: 'ingest'; name: string; payloadFile: string; conversationId: string; callerId: string };

/** What the parent sends a worker. */
export interface WarmPlan {
  /** The function's bundle. */
  bundle: string;
  /** The memory backend it is bundled for (its floor's memory calls are that adapter's); none for post-call. */
  backend?: MemoryBackendName;
  secrets: BenchSecrets;
  /** The archive bucket on the loopback S3 server (retrieve's environment has none: it never writes). */
  bucket: string;
  /** Untimed rounds first: JIT, connection pools, caches. */
  warmup: number;
  iterations: number;
  scenarios: WarmScenario[];
}

export interface ScenarioSamples {
  name: string;
  /** Milliseconds per invocation. */
  handler: number[];
  /** Milliseconds per floor round (the remote calls alone). */
  floor: number[];
}

export type WorkerReport = { kind: 'done'; results: ScenarioSamples[] } | { kind: 'failed'; error: string };
