/**
 * The agent's side of the Assignments stream, pure: the tasks assigned to the node, from a complete set
 * and the increments chained to it, and the node's network view, whole with the complete set and then
 * from its deltas (view-delta.ts), chained by their own sequence numbers. An increment that does not
 * apply to the last result received, or a delta that does not apply to the view held, is a gap: the
 * stream is re-opened and starts from a complete set (and a full view) again.
 */
import type { WireTask } from '../../proto/control-types.ts';
import type { NetworkView, WireAssignmentsMessage } from '../../proto/dispatcher-types.ts';
import { applyViewDelta } from './view-delta.ts';

/** The view before the managers sent one: no gateway range either, so no task gets a sandbox from it. */
export const EMPTY_VIEW: NetworkView = {
  networks: [],
  nodes: [],
  services: [],
  endpoints: [],
  gatewaySubnet: '',
};

/** An increment that does not follow the last message received (or a view delta, the last view). */
export class AssignmentGapError extends Error {
  override readonly name = 'AssignmentGapError';
  constructor(
    readonly expected: number,
    readonly appliesTo: number,
    what: 'assignments' | 'network view' = 'assignments',
  ) {
    super(`agent: ${what} out of sequence: expected an increment to ${expected}, got one to ${appliesTo}`);
  }
}

export class AssignedTasks {
  private readonly tasks = new Map<string, WireTask>();
  private networkView: NetworkView = EMPTY_VIEW;
  /** The `resultsIn` of the last message applied; undefined before a complete set. */
  private last: number | undefined;
  /** The sequence number of the view held; undefined before a full view on this stream. */
  private viewSeq: number | undefined;

  /**
   * Applies one message. Throws AssignmentGapError (changing nothing) on an increment that does not
   * apply to the last result, or any increment before a complete set; or on a view delta that does not
   * apply to the view held, or any delta before a full view.
   */
  apply(msg: WireAssignmentsMessage): void {
    if (msg.type !== 'complete' && (this.last === undefined || msg.appliesTo !== this.last)) {
      throw new AssignmentGapError(this.last ?? 0, msg.appliesTo);
    }
    let view = this.networkView;
    let viewSeq = this.viewSeq;
    if (msg.networkView !== null && msg.networkView !== undefined) {
      view = msg.networkView;
      viewSeq = msg.viewSeq;
    }
    const delta = msg.viewDelta;
    if (delta !== null && delta !== undefined) {
      if (viewSeq === undefined || delta.appliesTo !== viewSeq) {
        throw new AssignmentGapError(viewSeq ?? 0, delta.appliesTo, 'network view');
      }
      view = applyViewDelta(view, delta);
      viewSeq = delta.resultsIn;
    }
    if (msg.type === 'complete') this.tasks.clear();
    for (const c of msg.changes) {
      if (c.task === null) continue;
      if (c.action === 'remove') this.tasks.delete(c.task.id);
      else this.tasks.set(c.task.id, c.task);
    }
    this.networkView = view;
    this.viewSeq = viewSeq;
    this.last = msg.resultsIn;
  }

  /** Starts over: the next message must be a complete set, with a full view (a new stream). */
  reset(): void {
    this.last = undefined;
    this.viewSeq = undefined;
  }

  /** What the node's data plane needs of its tasks' networks, as last sent (or made from deltas). */
  view(): NetworkView {
    return this.networkView;
  }

  /** Every task assigned now, by id order. */
  list(): WireTask[] {
    return [...this.tasks.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
