/**
 * The one "not the leader" refusal: every leader-only part of a manager (the forwarder, the allocator,
 * the log broker, the dispatcher) says it with this text, which agents and people read. It names the
 * leader when one is known; toGrpcStatus also puts that address in the status's metadata
 * (`shoal-leader-addr`), where an agent looks for it.
 */
import { UnavailableError } from './errors.ts';

/** What a manager knows of who leads: the leader's Raft ID (0: none known) and each member's address. */
export interface LeaderKnowledge {
  readonly leader: number;
  readonly members: ReadonlyMap<number, string>;
}

export class NotLeaderError extends UnavailableError {
  override readonly name = 'NotLeaderError';

  /** @param leaderAddr the leader's manager address (host:port), when one is known. */
  constructor(readonly leaderAddr?: string) {
    super(
      leaderAddr === undefined
        ? 'this manager is not the leader, and no leader is known; try another manager'
        : `this manager is not the leader; the leader is at ${leaderAddr}`,
    );
  }

  /** The refusal of a manager that knows `view` of the leadership (naming the leader it follows). */
  static of(view: LeaderKnowledge): NotLeaderError {
    return new NotLeaderError(view.leader === 0 ? undefined : view.members.get(view.leader));
  }
}
