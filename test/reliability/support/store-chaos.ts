import type { CallerId } from '../../../lambdas/shared/caller';
import type { ListOptions, MemoryStore, NewMemory } from '../../../lambdas/shared/memory';
import type { MemoryPeer, StoreFault } from '../../support/memory-peers';

export interface ChaosMode {
  name: string;
  fault: StoreFault;
  /** Memory writes this mode answers before the next mode takes over. */
  writes: number;
}

/** One pass of chaos: the modes each write met. */
export class ChaosRun {
  /** Memory writes each mode received, by mode name. */
  readonly hits = new Map<string, number>();
  /** Completed passes through `cycle`. */
  cycles = 0;
  private readonly prelude: ChaosMode[];
  private readonly schedule: ChaosMode[];
  private index = 0;
  private inMode = 0;

  constructor(
    private readonly peer: MemoryPeer,
    modes: { prelude?: ChaosMode[]; cycle: ChaosMode[] },
  ) {
    this.prelude = modes.prelude ?? [];
    this.schedule = [...this.prelude, ...modes.cycle];
    for (const mode of this.schedule) this.hits.set(mode.name, 0);
    this.peer.behave(this.schedule[0].fault);
  }

  /** A write is about to start: it meets the mode whose turn it is. */
  onWrite(): void {
    if (this.inMode >= this.schedule[this.index].writes) {
      this.index += 1;
      if (this.index === this.schedule.length) {
        this.index = this.prelude.length;
        this.cycles += 1;
      }
      this.inMode = 0;
      this.peer.behave(this.schedule[this.index].fault);
    }
    this.inMode += 1;
    const name = this.schedule[this.index].name;
    this.hits.set(name, (this.hits.get(name) ?? 0) + 1);
  }
}

/**
 * Drives a memory store's loopback server through fault modes by memory write, not by time: the
 * `prelude` modes once, then the `cycle` modes over and over. A write is one `add` of the store
 * the worker writes through, or the look a redelivery takes before writing (a list of one
 * conversation); its mode is chosen as it starts, so every mode meets exactly its share of real
 * writes — with every request that write makes (AgentCore's list before it writes, Mem0's one
 * add) — however slowly or quickly the worker goes. Other reads are not counted.
 */
export class StoreChaos {
  private run?: ChaosRun;

  constructor(private readonly peer: MemoryPeer) {}

  /** The store, with each write step counted while chaos runs. */
  wrap(store: MemoryStore): MemoryStore {
    const step = () => this.run?.onWrite();
    return {
      list: (callerId: CallerId, options: ListOptions) => {
        if (options.conversationId !== undefined) step();
        return store.list(callerId, options);
      },
      add: (callerId: CallerId, memory: NewMemory) => {
        step();
        return store.add(callerId, memory);
      },
      search: (callerId, query, options) => store.search(callerId, query, options),
      deleteCaller: (callerId) => store.deleteCaller(callerId),
      listAll: (callerId) => store.listAll(callerId),
      deleteMemory: (callerId, memoryId) => store.deleteMemory(callerId, memoryId),
      callerIds: () => store.callerIds(),
    };
  }

  start(modes: { prelude?: ChaosMode[]; cycle: ChaosMode[] }): ChaosRun {
    this.run = new ChaosRun(this.peer, modes);
    return this.run;
  }

  /** Back to normal service: the store has recovered. */
  stop(): void {
    this.run = undefined;
    this.peer.behave({ kind: 'normal' });
  }
}
