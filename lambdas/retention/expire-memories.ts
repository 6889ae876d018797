import type { CallerId } from '../shared/caller';
import type { MemoryStore } from '../shared/memory';

const DAY_MS = 24 * 3600 * 1000;

export interface RetentionOptions {
  maxAgeDays: number;
  now?: Date;
  /** Asked before each caller: true stops the run (the next run carries on). */
  outOfTime?: () => boolean;
  /** Told of each caller whose memories could not be read or erased; the run goes on. */
  onCallerFailed?: (callerId: CallerId, error: unknown) => void;
}

export interface RetentionReport {
  callers: number;
  memoriesExamined: number;
  memoriesErased: number;
  /** Callers that failed; their old memories remain until a later run. */
  callersFailed: number;
  /** False when the run stopped for time before every caller was examined. */
  complete: boolean;
}

/**
 * Erases every memory created more than `maxAgeDays` ago, caller by caller. A memory without a
 * creation time is kept: nothing says it is old. Safe to run again at any time.
 */
export async function expireMemories(store: MemoryStore, options: RetentionOptions): Promise<RetentionReport> {
  const cutoff = (options.now ?? new Date()).getTime() - options.maxAgeDays * DAY_MS;
  const report: RetentionReport = {
    callers: 0,
    memoriesExamined: 0,
    memoriesErased: 0,
    callersFailed: 0,
    complete: true,
  };
  for (const callerId of await store.callerIds()) {
    if (options.outOfTime?.()) {
      report.complete = false;
      break;
    }
    report.callers += 1;
    try {
      const memories = await store.listAll(callerId);
      report.memoriesExamined += memories.length;
      for (const memory of memories) {
        const createdAt = memory.createdAt === undefined ? NaN : Date.parse(memory.createdAt);
        if (Number.isNaN(createdAt) || createdAt >= cutoff) continue;
        await store.deleteMemory(callerId, memory.id);
        report.memoriesErased += 1;
      }
    } catch (error) {
      report.callersFailed += 1;
      options.onCallerFailed?.(callerId, error);
    }
  }
  return report;
}
