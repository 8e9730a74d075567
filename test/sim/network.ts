import type { Message, NodeId, SeededRng } from '../../server/raft/index.ts';

/** How unreliable the simulated network is; each seed draws its own. */
export interface NetworkFaults {
  /** Probability that a message is lost. */
  drop: number;
  /** Probability that a message is delivered twice. */
  duplicate: number;
  /** Each message is delayed by a uniform number of ticks in [0, maxDelay]; unequal delays reorder. */
  maxDelay: number;
}

interface InFlight {
  due: number;
  /** Tie-breaker that keeps delivery order a pure function of the seed. */
  seq: number;
  msg: Message;
}

/**
 * A seeded network: messages wait in a queue until their delivery tick. It drops, duplicates, delays
 * and reorders them, and cuts directed links (so partitions can be asymmetric).
 */
export class SimNetwork {
  faults: NetworkFaults = { drop: 0, duplicate: 0, maxDelay: 0 };
  private queue: InFlight[] = [];
  private seq = 0;
  private readonly cut = new Set<string>();

  constructor(private readonly rng: SeededRng) {}

  /** Queues a message sent at tick `now`; returns false if the network lost it. */
  send(msg: Message, now: number): boolean {
    if (this.isCut(msg.from, msg.to) || this.rng.chance(this.faults.drop)) return false;
    const copies = this.rng.chance(this.faults.duplicate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.queue.push({ due: now + this.rng.int(this.faults.maxDelay + 1), seq: this.seq++, msg });
    }
    return true;
  }

  /**
   * Removes and returns the messages due by tick `now`, in delivery order. A message whose link was
   * cut while it was in flight is lost: it goes to `lost` (a transport learns that a stream broke).
   */
  takeDue(now: number, lost: (m: Message) => void): Message[] {
    if (this.queue.length === 0) return [];
    const due: InFlight[] = [];
    const rest: InFlight[] = [];
    for (const f of this.queue) (f.due <= now ? due : rest).push(f);
    if (due.length === 0) return [];
    this.queue = rest;
    due.sort((a, b) => a.due - b.due || a.seq - b.seq);
    const out: Message[] = [];
    for (const f of due) {
      if (this.isCut(f.msg.from, f.msg.to)) lost(f.msg);
      else out.push(f.msg);
    }
    return out;
  }

  /** Blocks messages from `from` to `to` (one direction only). */
  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.size > 0 && this.cut.has(`${from}>${to}`);
  }

  /** Cuts every link between the two groups, both ways. */
  partition(a: readonly NodeId[], b: readonly NodeId[]): void {
    for (const x of a) {
      for (const y of b) {
        this.cutLink(x, y);
        this.cutLink(y, x);
      }
    }
  }

  healAll(): void {
    this.cut.clear();
  }

  hasPartitions(): boolean {
    return this.cut.size > 0;
  }

  pending(): number {
    return this.queue.length;
  }
}
