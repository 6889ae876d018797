import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { redactingJsonReplacer } from './logging';

export const METRICS_NAMESPACE = 'AgenticMemory';

/** Metric names the dashboard and alarms read (lib/monitoring keeps the same list). */
export const METRIC = {
  latency: 'Latency',
  memoriesReturned: 'MemoriesReturned',
  degradedResponses: 'DegradedResponses',
  signatureRejections: 'SignatureRejections',
  archiveFailures: 'ArchiveFailures',
  memoryStoreLatency: 'MemoryStoreLatency',
  ingestSucceeded: 'IngestSucceeded',
  ingestFailed: 'IngestFailed',
  ingestSkipped: 'IngestSkipped',
  memoriesWritten: 'MemoriesWritten',
  memoriesExpired: 'MemoriesExpired',
  /** A call whose caller withheld their number: answered as a stranger, nothing remembered. */
  withheldCallerIds: 'WithheldCallerIds',
  /** A call with no memory identity (withheld, no caller id, agent outside the scope map). */
  callsWithoutIdentity: 'CallsWithoutIdentity',
  /** Searches refused for a tampered, expired, foreign or mismatched memory token. */
  memoryTokenRejections: 'MemoryTokenRejections',
} as const;

export { MetricUnit };

export interface Powertools {
  logger: Logger;
  metrics: Metrics;
}

/** One Logger and one Metrics per function, created at module load. */
export function createPowertools(serviceName: string): Powertools {
  return {
    // Every entry passes the redacting replacer: no secret value or credential reaches CloudWatch.
    logger: new Logger({ serviceName, jsonReplacerFn: redactingJsonReplacer }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
  };
}

/** Milliseconds since `startedAt` (a performance.now() reading), rounded to 0.1 ms. */
export function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 10) / 10;
}
