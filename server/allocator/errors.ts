/**
 * What the allocator refuses, as one error class whose `kind` says which gRPC status it maps to (the mapping
 * itself is `proto/rpc-status.ts`'s). Messages are Swarm's where Swarm has one, and say which object is in
 * the way where Shoal refuses more than Swarm does.
 */
import { DomainError } from '../../lib/domain-error.ts';

/**
 * - `invalid-argument`: the request itself is wrong or asks for something another object holds (a port, a
 *   subnet that overlaps, a pinned VNI): Swarm answers InvalidArgument for these.
 * - `resource-exhausted`: a pool has nothing left (subnets, addresses, VNIs, dynamic ports).
 * - `already-exists`: the object (or the one ingress network) is allocated already.
 * - `failed-precondition`: the state of other objects forbids it (a network still in use; no ingress network).
 * - `permission-denied`: attaching a standalone task to a network that is not attachable.
 */
export type AllocatorErrorKind =
  'invalid-argument' | 'resource-exhausted' | 'already-exists' | 'failed-precondition' | 'permission-denied';

/** An allocation the allocator refused. The allocator's state is as it was before the call. */
export class AllocatorError extends DomainError {
  override readonly name = 'AllocatorError';
  readonly kind: AllocatorErrorKind;
  constructor(kind: AllocatorErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}
