/**
 * The one place where errors become gRPC statuses (grpc-js' serverErrorToStatus, not swarmkit's
 * scattered status.Errorf): handlers, streams and the local socket throw domain errors; this maps them.
 * Unknown errors become INTERNAL, with the cause logged and not sent to the caller.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { DomainError, type ErrorKind } from '../lib/domain-error.ts';

/** An error that already knows its status: thrown by handlers for conditions of their own. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

export interface GrpcStatus {
  code: grpc.status;
  details: string;
}

const STATUS_OF_KIND: Readonly<Record<Exclude<ErrorKind, 'internal'>, grpc.status>> = {
  'invalid-argument': grpc.status.INVALID_ARGUMENT,
  'not-found': grpc.status.NOT_FOUND,
  'already-exists': grpc.status.ALREADY_EXISTS,
  'failed-precondition': grpc.status.FAILED_PRECONDITION,
  'permission-denied': grpc.status.PERMISSION_DENIED,
  'resource-exhausted': grpc.status.RESOURCE_EXHAUSTED,
  unavailable: grpc.status.UNAVAILABLE,
  unauthenticated: grpc.status.UNAUTHENTICATED,
};

export function toGrpcStatus(err: unknown, log: Logger): GrpcStatus {
  if (err instanceof RpcError) return { code: err.code, details: err.message };
  if (err instanceof DomainError && err.kind !== 'internal') {
    return { code: STATUS_OF_KIND[err.kind], details: err.message };
  }
  log.error(
    { err: err instanceof Error ? (err.stack ?? err.message) : String(err) },
    'unexpected error in an RPC',
  );
  return { code: grpc.status.INTERNAL, details: 'internal error (see the log)' };
}
