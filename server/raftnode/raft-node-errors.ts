/** What a RaftNode refuses with: a write too large, no leader, an outcome not known in time. */
import { InvalidArgumentError, UnavailableError } from '../../lib/errors.ts';
import { formatBytes, MAX_REQUEST_BYTES } from '../limits/limits.ts';

/**
 * The largest payload one proposal may carry: what one request may write (etcd's --max-request-bytes).
 * Every limit after it is larger (a Raft append, a transport frame, a snapshot chunk), so an entry
 * accepted here always travels.
 */
export const MAX_PROPOSAL_BYTES = MAX_REQUEST_BYTES;

/** A proposal larger than one write may carry: refused before it reaches the log. */
export class ProposalTooLargeError extends InvalidArgumentError {
  override readonly name = 'ProposalTooLargeError';
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`the write takes ${formatBytes(bytes)}; one write may take at most ${formatBytes(limit)}`);
  }
}

/** Swarm's answer when no leader can be elected (docker says it word for word). */
export const NO_LEADER =
  "The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.";

/** A proposal or read that did not settle: leadership moved, the node is cut off, or it timed out. */
export class RaftUnavailableError extends UnavailableError {
  override readonly name = 'RaftUnavailableError';
}
