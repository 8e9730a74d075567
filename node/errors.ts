/**
 * What the node refuses on its local socket, as domain errors (`proto/rpc-status.ts` maps them to gRPC
 * statuses). Messages are docker's where docker has one.
 */
import { DomainError } from '../lib/domain-error.ts';

export const NOT_A_MANAGER =
  'This node is not a swarm manager. Use "shoal swarm init" or "shoal swarm join" to connect this node to swarm and try again.';
/** docker's answer to a manager-only command on a worker. */
export const WORKER_NOT_A_MANAGER =
  "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.";

/** A manager's call (the Control API, service logs) on a node that runs no manager. */
export class NotAManagerError extends DomainError {
  override readonly name = 'NotAManagerError';
  readonly kind = 'failed-precondition';
  /** `inSwarm`: the node is a worker (docker says so), rather than in no swarm at all. */
  constructor(inSwarm: boolean) {
    super(inSwarm ? WORKER_NOT_A_MANAGER : NOT_A_MANAGER);
  }
}

/** What this node is, or is not, forbids the call: in a swarm already, in none, a manager leaving… */
export class NodeStateError extends DomainError {
  override readonly name = 'NodeStateError';
  readonly kind = 'failed-precondition';
}

/** A Swarm call (init, join) whose arguments cannot work: no address to advertise, pools that overlap… */
export class InvalidSwarmRequestError extends DomainError {
  override readonly name = 'InvalidSwarmRequestError';
  readonly kind = 'invalid-argument';
}
