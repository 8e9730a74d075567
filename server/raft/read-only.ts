import type { Message, NodeId } from './types.ts';

/** A ReadIndex request waiting for a quorum of heartbeat acknowledgements. */
export interface ReadIndexStatus {
  req: Message;
  /** The leader's commit index when the request arrived. */
  index: number;
  acks: Set<NodeId>;
}

/**
 * The leader's pending ReadIndex requests, in arrival order. A request is answered once a quorum has
 * acknowledged a heartbeat carrying its context (or a later one): the leader then knows it was still
 * the leader after the request arrived, so its commit index then bounds every acknowledged write.
 */
export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  /** Registers a request; `req.context` identifies it. Duplicates are ignored. */
  addRequest(index: number, req: Message): void {
    const ctx = req.context ?? '';
    if (this.pending.has(ctx)) return;
    this.pending.set(ctx, { req, index, acks: new Set() });
    this.queue.push(ctx);
  }

  /** Records that `id` acknowledged the heartbeat for `ctx`; returns how many have. */
  recvAck(id: NodeId, ctx: string): number {
    const rs = this.pending.get(ctx);
    if (rs === undefined) return 0;
    rs.acks.add(id);
    return rs.acks.size;
  }

  /**
   * Removes and returns every request up to and including `ctx`: a quorum acknowledging a later
   * heartbeat confirms the earlier requests too.
   */
  advance(ctx: string): ReadIndexStatus[] {
    const at = this.queue.indexOf(ctx);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    const out: ReadIndexStatus[] = [];
    for (const c of done) {
      const rs = this.pending.get(c);
      if (rs !== undefined) out.push(rs);
      this.pending.delete(c);
    }
    return out;
  }

  /** The latest pending request whose acknowledgements satisfy `confirmed`, if any. */
  lastConfirmed(confirmed: (acks: ReadonlySet<NodeId>) => boolean): string | undefined {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const ctx = this.queue[i];
      const rs = ctx === undefined ? undefined : this.pending.get(ctx);
      if (rs !== undefined && confirmed(rs.acks)) return ctx;
    }
    return undefined;
  }

  lastPendingContext(): string | undefined {
    return this.queue[this.queue.length - 1];
  }

  /** Drops everything: the node is no longer leader, so the requests can never be answered. */
  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}
