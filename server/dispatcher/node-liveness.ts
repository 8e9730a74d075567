/**
 * The dispatcher's writes of nodes READY (a session opened) and DOWN (heartbeats stopped): one store
 * write at a time, each holding what was asked while the one before was on its way (a thousand sessions
 * opening at once make a few writes, not a thousand). Each write decides from the state the previous one
 * left: READY asked while a DOWN of the same node is on its way to the log is decided after that DOWN is
 * applied, and written. Deciding both against the same state left a node that was back in session DOWN
 * for good (its READY looked like nothing to do).
 */
import { getNode, SequenceConflictError, updateNode, type MemoryStore } from '../store/index.ts';

/** Nodes one write changes at most (a store write has a size limit; a node is well under 1 KiB). */
const MAX_NODES_PER_WRITE = 500;
/** How many times a write is made again after losing a race with another writer of the same node. */
const CONFLICT_RETRIES = 3;

type Wanted = { readonly state: 'ready'; readonly addr: string } | { readonly state: 'down' };

interface Asked {
  wanted: Wanted;
  readonly waiters: { resolve(): void; reject(err: unknown): void }[];
}

export class NodeLiveness {
  /** Node id → what it should become, latest ask last; the next write takes from the front. */
  private asked = new Map<string, Asked>();
  private writing = false;

  constructor(
    private readonly store: MemoryStore,
    /** The time stamped on each write. */
    private readonly now: () => number,
  ) {}

  /** `nodeId` is in session from `addr`: READY, unless it is so already. Resolves once applied. */
  ready(nodeId: string, addr: string): Promise<void> {
    return this.ask(nodeId, { state: 'ready', addr });
  }

  /** `nodeIds` stopped beating: DOWN ("heartbeat failure"), unless so already. Resolves once applied. */
  down(nodeIds: readonly string[]): Promise<void> {
    return Promise.all(nodeIds.map(id => this.ask(id, { state: 'down' }))).then(() => undefined);
  }

  private ask(nodeId: string, wanted: Wanted): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // A later ask for the same node replaces an earlier one not yet written; both hear the outcome.
      const earlier = this.asked.get(nodeId);
      this.asked.delete(nodeId);
      this.asked.set(nodeId, { wanted, waiters: [...(earlier?.waiters ?? []), { resolve, reject }] });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.asked.size > 0) {
        const batch: [string, Asked][] = [];
        for (const entry of this.asked) {
          if (batch.length >= MAX_NODES_PER_WRITE) break;
          batch.push(entry);
        }
        for (const [id] of batch) this.asked.delete(id);
        try {
          await this.write(batch);
          for (const [, a] of batch) for (const w of a.waiters) w.resolve();
        } catch (err) {
          for (const [, a] of batch) for (const w of a.waiters) w.reject(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async write(batch: readonly [string, Asked][]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.store.update(tx => {
          for (const [id, { wanted }] of batch) {
            const n = getNode(tx, id);
            if (n === undefined) continue;
            if (wanted.state === 'down') {
              if (n.status.state === 'down') continue;
              updateNode(tx, {
                ...n,
                status: { state: 'down', addr: n.status.addr, message: 'heartbeat failure' },
              });
            } else {
              const s = n.status;
              if (s.state === 'ready' && s.addr === wanted.addr && s.message === undefined) continue;
              updateNode(tx, { ...n, status: { state: 'ready', addr: wanted.addr } });
            }
          }
        }, this.now());
        return;
      } catch (err) {
        if (!(err instanceof SequenceConflictError) || attempt >= CONFLICT_RETRIES) throw err;
      }
    }
  }
}
