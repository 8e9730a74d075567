/**
 * Membership changes asked of one member, one at a time. The core takes a single configuration change
 * at a time (a second is dropped while one is pending), and two managers promoted at once ask together:
 * each request waits in line, only the first is proposed, and when a change is applied every request
 * it satisfies is answered, whoever proposed it. Before, one slot held the pending change: the second
 * join overwrote the first's, the first joiner was never answered although it had become a voter, never
 * started, and the cluster lost its quorum.
 *
 * Pure bookkeeping: the driver proposes the head and settles what `applied` returns.
 */
import type { ConfChange, ConfChangeType, NodeId } from '../raft/index.ts';

export interface ConfChangeRequest<W> {
  type: ConfChangeType;
  nodeId: NodeId;
  /** The member's address for an AddNode (it travels in the entry). */
  context: string;
  /** The caller's handle, settled by the driver. */
  waiter: W;
}

export class ConfChangeQueue<W> {
  private readonly queue: ConfChangeRequest<W>[] = [];

  get size(): number {
    return this.queue.length;
  }

  add(request: ConfChangeRequest<W>): void {
    this.queue.push(request);
  }

  /** The request to propose now: the oldest one. */
  head(): ConfChangeRequest<W> | undefined {
    return this.queue[0];
  }

  /**
   * A change was applied: takes out every request it satisfies (the same change asked twice is answered
   * twice), oldest first. A change proposed elsewhere (another manager, an earlier leader) satisfies ours too.
   */
  applied(cc: Pick<ConfChange, 'type' | 'nodeId'>): ConfChangeRequest<W>[] {
    const done = this.queue.filter(r => r.type === cc.type && r.nodeId === cc.nodeId);
    if (done.length > 0) this.keep(r => !done.includes(r));
    return done;
  }

  /** Takes out the request of `waiter` (it timed out); whether it was there. */
  remove(waiter: W): boolean {
    const before = this.queue.length;
    this.keep(r => r.waiter !== waiter);
    return this.queue.length < before;
  }

  /** Takes out every request (the member stops). */
  drain(): ConfChangeRequest<W>[] {
    return this.queue.splice(0);
  }

  private keep(pred: (r: ConfChangeRequest<W>) => boolean): void {
    const kept = this.queue.filter(pred);
    this.queue.length = 0;
    this.queue.push(...kept);
  }
}
