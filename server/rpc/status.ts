/**
 * The manager's handler wrapper: what a handler throws is mapped once, by `proto/rpc-status.ts`
 * (re-exported here for the handlers).
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { toGrpcStatus } from '../../proto/rpc-status.ts';

export { RpcError, toGrpcStatus, type GrpcStatus } from '../../proto/rpc-status.ts';

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
        (err: unknown) => callback(toGrpcStatus(err, log)),
      );
  };
}
