import type { Mem0Behaviour, Mem0LoopbackServer, RecordedRequest } from '../../support/mem0-server';

export interface ChaosMode {
  name: string;
  behaviour: Mem0Behaviour;
  /** Memory writes this mode answers before the next mode takes over. */
  writes: number;
}

/** A memory write, or the look a redelivery takes before writing (a list filtered by conversation). */
const isWriteStep = (request: RecordedRequest) =>
  request.path === '/v3/memories/add/' ||
  (request.path === '/v3/memories/' && JSON.stringify(request.body ?? {}).includes('conversation_id'));

/**
 * Drives the Mem0 loopback server through fault modes by memory write, not by time: the `prelude`
 * modes once, then the `cycle` modes over and over. The mode of each write is chosen as the server
 * records it (before it picks the fault to apply), so every mode meets exactly its share of real
 * write steps, however slowly or quickly the worker goes. Other reads and the client's ping are
 * not counted.
 */
export class Mem0Chaos {
  /** Memory writes each mode received, by mode name. */
  readonly hits = new Map<string, number>();
  /** Completed passes through `cycle`. */
  cycles = 0;
  private readonly prelude: ChaosMode[];
  private readonly schedule: ChaosMode[];
  private index = 0;
  private inMode = 0;
  private restore?: () => void;

  constructor(
    private readonly mem0: Mem0LoopbackServer,
    modes: { prelude?: ChaosMode[]; cycle: ChaosMode[] },
  ) {
    this.prelude = modes.prelude ?? [];
    this.schedule = [...this.prelude, ...modes.cycle];
    for (const mode of this.schedule) this.hits.set(mode.name, 0);
  }

  start(): void {
    this.index = 0;
    this.inMode = 0;
    this.mem0.behave(this.schedule[0].behaviour);
    const requests = this.mem0.requests;
    const push = requests.push;
    requests.push = (...recorded: RecordedRequest[]) => {
      for (const request of recorded) if (isWriteStep(request)) this.onWrite();
      return push.apply(requests, recorded);
    };
    this.restore = () => {
      requests.push = push;
    };
  }

  /** Back to normal service: the store has recovered. */
  stop(): void {
    this.restore?.();
    this.restore = undefined;
    this.mem0.behave({ mode: 'normal' });
  }

  private onWrite(): void {
    if (this.inMode >= this.schedule[this.index].writes) {
      this.index += 1;
      if (this.index === this.schedule.length) {
        this.index = this.prelude.length;
        this.cycles += 1;
      }
      this.inMode = 0;
      this.mem0.behave(this.schedule[this.index].behaviour);
    }
    this.inMode += 1;
    const name = this.schedule[this.index].name;
    this.hits.set(name, (this.hits.get(name) ?? 0) + 1);
  }
}
