/**
 * The agent's side of the Assignments stream, pure: the tasks assigned to the node, from a complete set
 * and the increments chained to it. An increment that does not apply to the last result received is a
 * gap: the stream is re-opened and starts from a complete set again.
 */
import type { WireTask } from '../../proto/control-types.ts';
import type { NetworkView, WireAssignmentsMessage } from '../../proto/dispatcher-types.ts';

/** The view before the managers sent one: no gateway range either, so no task gets a sandbox from it. */
export const EMPTY_VIEW: NetworkView = {
  networks: [],
  nodes: [],
  services: [],
  endpoints: [],
  gatewaySubnet: '',
};

/** An increment that does not follow the last message received. */
export class AssignmentGapError extends Error {
  override readonly name = 'AssignmentGapError';
  constructor(
    readonly expected: number,
    readonly appliesTo: number,
  ) {
    super(
      `agent: assignments out of sequence: expected an increment to ${expected}, got one to ${appliesTo}`,
    );
  }
}

export class AssignedTasks {
  private readonly tasks = new Map<string, WireTask>();
  private networkView: NetworkView = EMPTY_VIEW;
  /** The `resultsIn` of the last message applied; undefined before a complete set. */
  private last: number | undefined;

  /**
   * Applies one message. Throws AssignmentGapError (changing nothing) on an increment that does not
   * apply to the last result, or any increment before a complete set.
   */
  apply(msg: WireAssignmentsMessage): void {
    if (msg.type === 'complete') {
      this.tasks.clear();
    } else if (this.last === undefined || msg.appliesTo !== this.last) {
      throw new AssignmentGapError(this.last ?? 0, msg.appliesTo);
    }
    for (const c of msg.changes) {
      if (c.task === null) continue;
      if (c.action === 'remove') this.tasks.delete(c.task.id);
      else this.tasks.set(c.task.id, c.task);
    }
    if (msg.networkView !== null && msg.networkView !== undefined) this.networkView = msg.networkView;
    this.last = msg.resultsIn;
  }

  /** Starts over: the next message must be a complete set (a new stream). */
  reset(): void {
    this.last = undefined;
  }

  /** What the node's data plane needs of its tasks' networks, as last sent. */
  view(): NetworkView {
    return this.networkView;
  }

  /** Every task assigned now, by id order. */
  list(): WireTask[] {
    return [...this.tasks.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
