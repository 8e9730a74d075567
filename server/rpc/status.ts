/**
 * The one place where errors become gRPC statuses (grpc-js' serverErrorToStatus, not swarmkit's
 * scattered status.Errorf). Handlers throw domain errors; the wrapper in `handle()` maps them.
 * Unknown errors become INTERNAL, with the cause logged and not sent to the caller.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import {
  CaMismatchError,
  InvalidCertificateError,
  InvalidCsrError,
  InvalidJoinTokenError,
} from '../../certs/index.ts';
import { AllocatorError, type AllocatorErrorKind } from '../allocator/index.ts';
import { ProposalTooLargeError, RaftUnavailableError } from '../raftnode/raft-node.ts';
import {
  AlreadyExistsError,
  InvalidArgumentError,
  NameConflictError,
  NotFoundError,
  SequenceConflictError,
} from '../store/index.ts';

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

/** The status each kind of allocator refusal maps to (the allocator names the kind, not the code). */
const ALLOCATOR_STATUS: Readonly<Record<AllocatorErrorKind, grpc.status>> = {
  'invalid-argument': grpc.status.INVALID_ARGUMENT,
  'resource-exhausted': grpc.status.RESOURCE_EXHAUSTED,
  'already-exists': grpc.status.ALREADY_EXISTS,
  'failed-precondition': grpc.status.FAILED_PRECONDITION,
  'permission-denied': grpc.status.PERMISSION_DENIED,
};

export function toGrpcStatus(err: unknown, log: Logger): GrpcStatus {
  if (err instanceof RpcError) return { code: err.code, details: err.message };
  if (err instanceof AllocatorError) return { code: ALLOCATOR_STATUS[err.kind], details: err.message };
  if (err instanceof NotFoundError) return { code: grpc.status.NOT_FOUND, details: err.message };
  if (err instanceof AlreadyExistsError || err instanceof NameConflictError) {
    return { code: grpc.status.ALREADY_EXISTS, details: err.message };
  }
  if (err instanceof SequenceConflictError)
    return { code: grpc.status.INVALID_ARGUMENT, details: err.message };
  if (
    err instanceof InvalidArgumentError ||
    err instanceof ProposalTooLargeError ||
    err instanceof InvalidJoinTokenError ||
    err instanceof InvalidCsrError ||
    err instanceof InvalidCertificateError ||
    err instanceof CaMismatchError
  ) {
    return { code: grpc.status.INVALID_ARGUMENT, details: err.message };
  }
  if (err instanceof RaftUnavailableError) return { code: grpc.status.UNAVAILABLE, details: err.message };
  log.error(
    { err: err instanceof Error ? (err.stack ?? err.message) : String(err) },
    'unexpected error in an RPC',
  );
  return { code: grpc.status.INTERNAL, details: 'internal error (see the manager log)' };
}

/** Wraps an async unary handler: its result is the response, anything it throws is mapped once, here. */
export function unary<Req, Res>(
  log: Logger,
  fn: (req: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    // Through a promise, so that a handler throwing before its first await is mapped too.
    Promise.resolve(call.request)
      .then(req => fn(req, call))
      .then(
        res => callback(null, res),
        (err: unknown) => {
          const s = toGrpcStatus(err, log);
          callback({ code: s.code, details: s.details });
        },
      );
  };
}
