import type { Context, ScheduledEvent } from 'aws-lambda';
import { expireMemories, type RetentionReport } from './expire-memories';
import { redactIdentity } from '../shared/caller';
import type { RetentionSettings } from '../shared/config';
import { redactedMessage } from '../shared/logging';
import type { MemoryStore } from '../shared/memory';
import { METRIC, MetricUnit, type Powertools } from '../shared/powertools';

/** Time left at which a run stops taking new callers, so it ends cleanly before the timeout. */
const STOP_BEFORE_TIMEOUT_MS = 60_000;

export interface RetentionDependencies {
  memory: MemoryStore;
  settings: RetentionSettings;
  tools: Powertools;
  now?: () => Date;
}

/**
 * The scheduled retention job: erases memories older than the maximum age. A caller that fails
 * does not stop the others; the run then fails as a whole so the alarm tells the operator.
 */
export function createRetentionHandler(deps: RetentionDependencies) {
  const { tools } = deps;
  return async (_event: ScheduledEvent, context: Context): Promise<RetentionReport> => {
    tools.logger.addContext(context);
    try {
      const report = await expireMemories(deps.memory, {
        maxAgeDays: deps.settings.memoryMaxAgeDays,
        now: deps.now?.(),
        outOfTime: () => context.getRemainingTimeInMillis() < STOP_BEFORE_TIMEOUT_MS,
        onCallerFailed: (callerId, error) =>
          tools.logger.error('retention failed for a caller', {
            caller: redactIdentity(callerId),
            error: redactedMessage(error),
          }),
      });
      tools.metrics.addMetric(METRIC.memoriesExpired, MetricUnit.Count, report.memoriesErased);
      tools.logger.info('retention run finished', { ...report, maxAgeDays: deps.settings.memoryMaxAgeDays });
      if (report.callersFailed > 0)
        throw new Error(`retention failed for ${report.callersFailed} caller(s); see the log`);
      return report;
    } finally {
      tools.metrics.publishStoredMetrics();
    }
  };
}
