/**
 * The one place where errors become gRPC statuses (grpc-js' serverErrorToStatus, not swarmkit's
 * scattered status.Errorf): handlers, streams and the local socket throw domain errors (`lib/errors.ts`
 * has one class per kind); this maps them. Unknown errors become INTERNAL, with the cause logged and not
 * sent to the caller.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { DomainError, type ErrorKind } from '../lib/domain-error.ts';
import { NotLeaderError } from '../lib/not-leader-error.ts';
import { LEADER_ADDR_METADATA } from './dispatcher-types.ts';

/**
 * A status relayed as another process answered it (a manager's reply to a node's call), kept with its
 * code. Code that refuses for itself throws a domain error instead.
 */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

/** What a handler answers: a unary callback's error, or what a stream emits as 'error'. */
export type GrpcStatus = grpc.StatusObject;

const STATUS_OF_KIND: Readonly<Record<Exclude<ErrorKind, 'internal'>, grpc.status>> = {
  'invalid-argument': grpc.status.INVALID_ARGUMENT,
  'not-found': grpc.status.NOT_FOUND,
  'already-exists': grpc.status.ALREADY_EXISTS,
  'failed-precondition': grpc.status.FAILED_PRECONDITION,
  'permission-denied': grpc.status.PERMISSION_DENIED,
  'resource-exhausted': grpc.status.RESOURCE_EXHAUSTED,
  unavailable: grpc.status.UNAVAILABLE,
  unauthenticated: grpc.status.UNAUTHENTICATED,
  unimplemented: grpc.status.UNIMPLEMENTED,
  aborted: grpc.status.ABORTED,
};

export function toGrpcStatus(err: unknown, log: Logger): GrpcStatus {
  const metadata = new grpc.Metadata();
  if (err instanceof RpcError) return { code: err.code, details: err.message, metadata };
  if (err instanceof DomainError && err.kind !== 'internal') {
    // The leader's address goes in metadata too, where an agent looks for it to go there.
    if (err instanceof NotLeaderError && err.leaderAddr !== undefined) {
      metadata.set(LEADER_ADDR_METADATA, err.leaderAddr);
    }
    return { code: STATUS_OF_KIND[err.kind], details: err.message, metadata };
  }
  log.error(
    { err: err instanceof Error ? (err.stack ?? err.message) : String(err) },
    'unexpected error in an RPC',
  );
  return { code: grpc.status.INTERNAL, details: 'internal error (see the log)', metadata };
}
