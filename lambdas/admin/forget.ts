import type { CallerId } from '../shared/caller';
import { archiveKeys, findCallerData, type CallerData } from './caller-data';
import type { ArchiveAdmin } from './deployment';
import type { MemoryStore } from '../shared/memory';

export type ErasurePlan = CallerData;

export interface ErasureReport {
  memoriesErased: number;
  objectsErased: string[];
  /** What was still found after erasing (an ingest in flight can write again): empty when clean. */
  remaining: CallerData;
}

/** What `forget` would erase: everything held about the caller. */
export function planErasure(
  deployment: { memory: MemoryStore; archive: ArchiveAdmin },
  callerId: CallerId,
): Promise<ErasurePlan> {
  return findCallerData(deployment, callerId);
}

/**
 * Erases a caller (right to erasure): every memory, the pre-call records and transcript copies
 * under their prefixes, and the recordings and raw webhooks of their conversations. The archive
 * goes first: should the memory store fail, running `forget` again finds what is left.
 * Afterwards the caller is looked up again, and what turned up is reported.
 */
export async function eraseCaller(
  deployment: { memory: MemoryStore; archive: ArchiveAdmin },
  plan: ErasurePlan,
): Promise<ErasureReport> {
  const keys = archiveKeys(plan);
  await deployment.archive.delete(keys);
  await deployment.memory.deleteCaller(plan.callerId);
  const remaining = await findCallerData(deployment, plan.callerId);
  return { memoriesErased: plan.memories.length, objectsErased: keys, remaining };
}
