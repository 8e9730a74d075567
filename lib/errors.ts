/**
 * One error class per kind of refusal (`ErrorKind`), for code whose refusal has no class of its own: a
 * handler throws `new NotFoundError('node x not found')` and `proto/rpc-status.ts` toGrpcStatus gives the
 * caller NOT_FOUND with that text. Classes that say more (the store's, the allocator's, the certificates')
 * extend these or `DomainError` with the same kinds.
 */
import { DomainError } from './domain-error.ts';

/** The request itself is wrong: a missing or malformed field, an ambiguous reference. */
export class InvalidArgumentError extends DomainError {
  override readonly name: string = 'InvalidArgumentError';
  readonly kind = 'invalid-argument';
}

/** What the request names does not exist. */
export class NotFoundError extends DomainError {
  override readonly name: string = 'NotFoundError';
  readonly kind = 'not-found';
}

/** What the request would create exists already (a name that is taken). */
export class ConflictError extends DomainError {
  override readonly name: string = 'ConflictError';
  readonly kind = 'already-exists';
}

/** The state of the cluster forbids it now (the last manager, a network still in use, not in a swarm). */
export class PreconditionError extends DomainError {
  override readonly name: string = 'PreconditionError';
  readonly kind = 'failed-precondition';
}

/** The caller is known but may not do this. */
export class PermissionError extends DomainError {
  override readonly name: string = 'PermissionError';
  readonly kind = 'permission-denied';
}

/** The caller did not say who it is (no certificate of this cluster). */
export class UnauthenticatedError extends DomainError {
  override readonly name: string = 'UnauthenticatedError';
  readonly kind = 'unauthenticated';
}

/** A pool or a limit has nothing left for the request. */
export class ResourceExhaustedError extends DomainError {
  override readonly name: string = 'ResourceExhaustedError';
  readonly kind = 'resource-exhausted';
}

/** Not now: the caller may try again (later, or on another manager). */
export class UnavailableError extends DomainError {
  override readonly name: string = 'UnavailableError';
  readonly kind = 'unavailable';
}

/** Ended by something newer of the same caller (a session or stream replaced by a later one). */
export class AbortedError extends DomainError {
  override readonly name: string = 'AbortedError';
  readonly kind = 'aborted';
}

/** A change Shoal does not make (refused, never ignored). */
export class UnimplementedError extends DomainError {
  override readonly name: string = 'UnimplementedError';
  readonly kind = 'unimplemented';
}
