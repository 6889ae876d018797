import type { CallerId } from '../lambdas/shared/caller';
import type { MemoryStore } from '../lambdas/shared/memory';
import { archiveKeys, findCallerData, memoriesOf, type CallerData } from './caller-data';
import type { ArchiveAdmin } from './deployment';

export type ErasurePlan = CallerData;

export interface ErasureReport {
  memoriesErased: number;
  objectsErased: string[];
  /** What was still found after erasing (an ingest in flight can write again): empty when clean. */
  remaining: CallerData;
}

/** What `forget` would erase: everything held about the caller, in `scope` only or in every scope. */
export function planErasure(
  deployment: { memory: MemoryStore; archive: ArchiveAdmin },
  callerId: CallerId,
  scope?: string,
): Promise<ErasurePlan> {
  return findCallerData(deployment, callerId, scope);
}

/**
 * Erases a caller (right to erasure): under each memory identity of the plan, every memory, the
 * pre-call records and transcript copies, and the recordings and raw webhooks of their
 * conversations. The archive goes first: should the memory store fail, running `forget` again
 * finds what is left. Afterwards the caller is looked up again, and what turned up is reported.
 */
export async function eraseCaller(
  deployment: { memory: MemoryStore; archive: ArchiveAdmin },
  plan: ErasurePlan,
): Promise<ErasureReport> {
  const keys = archiveKeys(plan);
  await deployment.archive.delete(keys);
  for (const { identity } of plan.identities) await deployment.memory.deleteCaller(identity);
  const remaining = await findCallerData(deployment, plan.callerId, plan.scope);
  return { memoriesErased: memoriesOf(plan).length, objectsErased: keys, remaining };
}
