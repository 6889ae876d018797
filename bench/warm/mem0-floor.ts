import type MemoryClient from 'mem0ai';
import type { PlannedMemory } from '../../lambdas/ingest/conversation-memories';
import type { ClientDataSettings } from '../../lambdas/shared/config';
import type { MemoryFloor } from './floors';

/** What the Mem0 adapter (lambdas/shared/memory/mem0-store.ts) sends, with the mem0ai client. */
export class Mem0Floor implements MemoryFloor {
  constructor(private readonly mem0: MemoryClient) {}

  /** Three list calls side by side, one page each, sized as the handler sizes them. */
  async preCallReads(callerId: string, settings: ClientDataSettings): Promise<void> {
    const list = (type: string, pageSize: number) =>
      this.mem0.getAll({ filters: { AND: [{ user_id: callerId }, { metadata: { type } }] }, page: 1, pageSize });
    await Promise.all([
      list('factual', Math.max(1, settings.maxHighlights)),
      list('semantic', Math.max(1, settings.maxFacts)),
      list('profile', 5),
    ]);
  }

  async search(callerId: string, query: string, limit: number): Promise<void> {
    await this.mem0.search(query, { filters: { user_id: callerId }, topK: limit });
  }

  async write(callerId: string, planned: PlannedMemory): Promise<void> {
    await this.mem0.add(...mem0AddArguments(callerId, planned));
  }
}

/** The arguments Mem0MemoryStore.add gives the client for a planned memory (lambdas/shared/memory/mem0-store.ts). */
function mem0AddArguments(callerId: string, planned: PlannedMemory): Parameters<MemoryClient['add']> {
  const memory = planned.memory;
  const metadata = { ...memory.metadata };
  const happenedAt = metadata.timestamp ? Date.parse(metadata.timestamp) : NaN;
  const timestamp = Number.isFinite(happenedAt) ? Math.floor(happenedAt / 1000) : undefined;
  if (memory.kind === 'text') {
    return [[{ role: 'user', content: memory.text }], { userId: callerId, metadata, infer: false, timestamp }];
  }
  const turns = memory.turns.filter((turn) => turn.content.trim() !== '');
  return [
    turns.map((turn) => ({ role: turn.role, content: turn.content })),
    { userId: callerId, metadata, infer: true, timestamp },
  ];
}
