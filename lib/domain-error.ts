/**
 * What kind of refusal an error is. Code that refuses names the kind; one function
 * (`proto/rpc-status.ts` toGrpcStatus) turns kinds into wire statuses, for the manager and the agent alike.
 * `internal` is a bug, never the caller's fault: it is logged, and the caller sees a generic message.
 */
export type ErrorKind =
  | 'invalid-argument'
  | 'not-found'
  | 'already-exists'
  | 'failed-precondition'
  | 'permission-denied'
  | 'resource-exhausted'
  | 'unavailable'
  | 'unauthenticated'
  | 'unimplemented'
  | 'aborted'
  | 'internal';

/**
 * Base of every error that says what went wrong in the caller's terms; each class names its kind
 * (`lib/errors.ts` has one class per kind).
 */
export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
}
