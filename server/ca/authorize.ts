/**
 * Who may call what, and with how much, declared once: every RPC on the manager port is in METHOD_ROLES,
 * and one server interceptor checks the caller's certificate (OU = role, O = cluster) before any
 * handler runs. Handlers never check roles. A method missing from the table is refused: new RPCs are
 * closed by default. MAX_REQUEST_BYTES_BY_METHOD bounds each method's request messages, checked by
 * the same interceptor before a message is read in. A follower forwards the methods in LEADER_ONLY
 * (server/rpc/leader-only.ts) to the leader; the forwarded call carries its original caller in
 * metadata, which only a manager may send. Who the caller is: server/caller/caller.ts.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { DomainError } from '../../lib/domain-error.ts';
import { PermissionError, UnauthenticatedError } from '../../lib/errors.ts';
import { toGrpcStatus } from '../../proto/rpc-status.ts';
import {
  formatBytes,
  MAX_ANONYMOUS_REQUEST_BYTES,
  MAX_REQUEST_BYTES,
  RAFT_MAX_MESSAGE_BYTES,
} from '../limits/limits.ts';
import {
  FORWARDED_FOR,
  forwardedOf,
  peerOf,
  type Caller,
  type Forwarded,
  type Role,
} from '../caller/caller.ts';
import { LEADER_ONLY } from '../rpc/leader-only.ts';

/** 'any' = no client certificate needed (the CA bootstrap calls). */
export type Allowed = 'any' | readonly Role[];

const M: readonly Role[] = ['swarm-manager'];
const NODE: readonly Role[] = ['swarm-worker', 'swarm-manager'];

export const METHOD_ROLES: Readonly<Record<string, Allowed>> = {
  '/shoal.v1.CA/GetRootCACertificate': 'any',
  '/shoal.v1.NodeCA/IssueNodeCertificate': 'any',
  '/shoal.v1.Raft/Stream': M,
  '/shoal.v1.Raft/Snapshot': M,
  '/shoal.v1.Control/ListNodes': M,
  '/shoal.v1.Control/GetNode': M,
  '/shoal.v1.Control/UpdateNode': M,
  '/shoal.v1.Control/RemoveNode': M,
  '/shoal.v1.Control/GetCluster': M,
  '/shoal.v1.Control/RotateJoinToken': M,
  '/shoal.v1.Control/CreateConfig': M,
  '/shoal.v1.Control/ListConfigs': M,
  '/shoal.v1.Control/RemoveConfig': M,
  '/shoal.v1.Control/CreateNetwork': M,
  '/shoal.v1.Control/GetNetwork': M,
  '/shoal.v1.Control/ListNetworks': M,
  '/shoal.v1.Control/RemoveNetwork': M,
  '/shoal.v1.Control/CreateService': M,
  '/shoal.v1.Control/GetService': M,
  '/shoal.v1.Control/ListServices': M,
  '/shoal.v1.Control/UpdateService': M,
  '/shoal.v1.Control/RemoveService': M,
  '/shoal.v1.Control/GetTask': M,
  '/shoal.v1.Control/ListTasks': M,
  '/grpc.health.v1.Health/Check': 'any',
  '/grpc.health.v1.Health/Watch': 'any',
  // The contract is public: any client may discover it.
  '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo': 'any',
  '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo': 'any',
  // Certificates are public: nodes read their own (and its role) before and after they hold one.
  '/shoal.v1.NodeCA/NodeCertificateStatus': 'any',
  '/shoal.v1.RaftMembership/Join': M,
  '/shoal.v1.NodeCA/LeaveSwarm': NODE,
  // A node asks for its own standalone tasks' addresses.
  '/shoal.v1.ResourceAllocator/AttachNetwork': NODE,
  '/shoal.v1.ResourceAllocator/DetachNetwork': NODE,
  // Every node's agent (workers and managers) keeps a session with the leader's dispatcher.
  '/shoal.v1.Dispatcher/Session': NODE,
  '/shoal.v1.Dispatcher/Heartbeat': NODE,
  '/shoal.v1.Dispatcher/Heartbeats': NODE,
  '/shoal.v1.Dispatcher/Assignments': NODE,
  '/shoal.v1.Dispatcher/UpdateTaskStatus': NODE,
  // Service logs: clients read them on managers; every node's agent hears subscriptions and publishes.
  '/shoal.v1.Logs/SubscribeLogs': M,
  '/shoal.v1.LogBroker/ListenSubscriptions': NODE,
  '/shoal.v1.LogBroker/PublishLogs': NODE,
};

/**
 * The largest request message each method takes, in bytes. Methods anyone may call take small ones
 * (a new anonymous method too: closed by default), the Raft transport its own frames, and every other
 * method a Control API request's worth (MAX_REQUEST_BYTES, as etcd's --max-request-bytes).
 */
export const MAX_REQUEST_BYTES_BY_METHOD: Readonly<Record<string, number>> = {
  ...Object.fromEntries(
    Object.entries(METHOD_ROLES).map(([path, allowed]) => [
      path,
      allowed === 'any' ? MAX_ANONYMOUS_REQUEST_BYTES : MAX_REQUEST_BYTES,
    ]),
  ),
  // Batches are split at this size and snapshots travel in 1 MiB chunks; a single message may be as
  // large (an entry written before entries were bounded must still reach every member).
  '/shoal.v1.Raft/Stream': RAFT_MAX_MESSAGE_BYTES,
  '/shoal.v1.Raft/Snapshot': RAFT_MAX_MESSAGE_BYTES,
};

/** The most any method takes: the manager port's server-wide limit. */
export const MAX_MESSAGE_BYTES = Math.max(...Object.values(MAX_REQUEST_BYTES_BY_METHOD));

export interface AuthorizerOptions {
  clusterId(): string | undefined;
  /** Why a node may no longer call (it was removed), or undefined. */
  refused(nodeId: string): string | undefined;
  /**
   * Why a node whose certificate says manager is no longer one (it was demoted), or undefined. Asked
   * for manager-only methods only: until it renews into a worker certificate, a demoted node still
   * calls what every node may.
   */
  demoted(nodeId: string): string | undefined;
}

/** Whether `caller` is of this cluster, not removed, and in `roles`; undefined = yes. */
function admit(
  caller: Caller,
  roles: readonly Role[],
  as: 'peer' | 'forwarder' | 'forwarded',
  o: AuthorizerOptions,
): PermissionError | undefined {
  const cluster = o.clusterId();
  if (cluster !== undefined && caller.clusterId !== cluster) {
    return new PermissionError(`certificate is for cluster ${caller.clusterId}, not this one`);
  }
  const why = o.refused(caller.nodeId);
  if (why !== undefined) return new PermissionError(why);
  if (!roles.includes(caller.role)) {
    return new PermissionError(`Permission denied: unauthorized ${as} role: rpc error: ${caller.role}`);
  }
  // A certificate outlives the role it names: a demoted manager's stays valid until it expires.
  if (caller.role === 'swarm-manager' && !roles.includes('swarm-worker')) {
    const demoted = o.demoted(caller.nodeId);
    if (demoted !== undefined) return new PermissionError(`Permission denied: ${demoted}`);
  }
  return undefined;
}

/** The verdict for one call by `caller`: undefined = allowed. */
export function authorize(
  path: string,
  caller: Caller | undefined,
  o: AuthorizerOptions,
  as: 'peer' | 'forwarded' = 'peer',
): DomainError | undefined {
  const allowed = METHOD_ROLES[path];
  if (allowed === undefined) return new PermissionError(`method ${path} is not allowed`);
  if (allowed === 'any') return undefined;
  if (caller === undefined)
    return new UnauthenticatedError('a client certificate of this cluster is required');
  return admit(caller, allowed, as, o);
}

/**
 * The verdict for one call from `peer` (its certificate) with forwarded-for `fwd`: undefined = allowed.
 * Only a manager of this cluster may speak for another caller (swarmkit's forwarder roles), and only on
 * a leader-only method; the table then applies to the original caller again, here on the leader.
 */
export function authorizeCall(
  path: string,
  peer: Caller | undefined,
  fwd: Forwarded,
  o: AuthorizerOptions,
): DomainError | undefined {
  if (fwd.kind === 'direct') return authorize(path, peer, o);
  if (peer === undefined) {
    return new PermissionError('Permission denied: only a manager may forward a call');
  }
  const forwarder = admit(peer, M, 'forwarder', o);
  if (forwarder !== undefined) return forwarder;
  if (!LEADER_ONLY.has(path)) {
    return new PermissionError(`Permission denied: ${path} is not a forwarded method`);
  }
  if (fwd.kind === 'malformed') {
    return new PermissionError(`Permission denied: malformed ${FORWARDED_FOR} metadata`);
  }
  return authorize(path, fwd.kind === 'caller' ? fwd.caller : undefined, o, 'forwarded');
}

/** The part of grpc-js' per-call reader (BaseServerInterceptingCall; private there) the limits set. */
interface MessageReader {
  /** Splits the request stream into messages; refuses one whose length prefix is over the limit. */
  decoder: { maxReadMessageLength: number; write(data: Buffer): Buffer[] };
  /** The limit on a compressed message once inflated. */
  maxReceiveMessageSize: number;
}

function readerOf(call: object): MessageReader | undefined {
  const c = call as Partial<MessageReader>;
  const d = c.decoder;
  if (typeof c.maxReceiveMessageSize !== 'number' || typeof d !== 'object' || d === null) return undefined;
  return typeof d.maxReadMessageLength === 'number' && typeof d.write === 'function'
    ? (c as MessageReader)
    : undefined;
}

/** The longest status text a call ends with: handlers and libraries may repeat a request's text. */
const MAX_DETAILS_CHARS = 1024;

/** Who may call what, for `guardInterceptor`: the manager port's callers and the table above. */
export interface CallAuthorization {
  readonly o: AuthorizerOptions;
  readonly log: Logger;
}

/** A status as interceptors send it (grpc-js' PartialStatusObject, which it does not export). */
type StatusOut = Pick<grpc.StatusObject, 'code' | 'details'> & {
  metadata?: grpc.Metadata | null | undefined;
};

/** Cuts a status text to MAX_DETAILS_CHARS: one function for every call, not a closure per call. */
const boundedStatus = (status: StatusOut, next: (s: StatusOut) => void): void =>
  next(
    status.details.length > MAX_DETAILS_CHARS
      ? { ...status, details: `${status.details.slice(0, MAX_DETAILS_CHARS)}…` }
      : status,
  );

/**
 * The server's one interceptor: it applies MAX_REQUEST_BYTES_BY_METHOD and MAX_DETAILS_CHARS to every
 * call and, given `auth`, `authorizeCall` on its metadata. One, and first among the server's
 * interceptors: it must be handed grpc-js' own call, and each interceptor is a layer every event of
 * every call passes through (a leader with 5,000 nodes answers 1,000 heartbeats a second, and a
 * heartbeat is little else).
 *
 * grpc-js has one receive limit per server, checked on each message's length prefix before the
 * message is buffered; the Raft transport needs its frames there, so the server-wide limit cannot be
 * small. Checking in a wrapped `requestDeserialize` or on the deserialized message comes too late:
 * grpc-js has buffered the whole message by then (measured: 40 concurrent 15 MiB requests refused
 * that way took a gRPC server from 56 MB to 1.3 GB), and a deserializer's error becomes INTERNAL. So
 * each call's own reader gets its method's limit before it reads anything (it reads only once the
 * interceptors let the call start), and an oversized request is refused RESOURCE_EXHAUSTED on its
 * first bytes, with a readable text. Those fields are grpc-js' internals: with a grpc-js that lacks
 * them, every call fails INTERNAL, saying so.
 */
export function guardInterceptor(
  g: {
    /** The limit of a method not in the table (on the manager port: none is, and the smallest is safest). */
    fallback?: number;
    /** Who may call what; without it (the local socket), any caller may call any method served. */
    auth?: CallAuthorization;
  } = {},
): grpc.ServerInterceptor {
  const fallback = g.fallback ?? MAX_ANONYMOUS_REQUEST_BYTES;
  const auth = g.auth;
  return (method, call) => {
    const limit = MAX_REQUEST_BYTES_BY_METHOD[method.path] ?? fallback;
    const reader = readerOf(call);
    if (reader === undefined) {
      // Said as it is (not as an internal error's generic text): the build is broken, not a call.
      const broken: grpc.StatusObject = {
        code: grpc.status.INTERNAL,
        details:
          'request size limits cannot be applied: @grpc/grpc-js does not read requests as server/ca/authorize.ts expects',
        metadata: new grpc.Metadata(),
      };
      return new grpc.ServerInterceptingCall(call, {
        start: next => next({ onReceiveMetadata: () => call.sendStatus(broken) }),
      });
    }
    reader.maxReceiveMessageSize = limit;
    const decoder = reader.decoder;
    decoder.maxReadMessageLength = limit;
    const write = decoder.write.bind(decoder);
    // grpc-js sends what the decoder throws as the RESOURCE_EXHAUSTED status's text.
    decoder.write = data => {
      try {
        return write(data);
      } catch {
        throw new Error(
          `request too large: ${method.path} takes at most ${formatBytes(limit)} (${limit} bytes) per message`,
        );
      }
    };
    if (auth === undefined) return new grpc.ServerInterceptingCall(call, { sendStatus: boundedStatus });
    return new grpc.ServerInterceptingCall(call, {
      start: next =>
        next({
          onReceiveMetadata: (md, mdNext) => {
            const denied = authorizeCall(method.path, peerOf(call), forwardedOf(md), auth.o);
            if (denied === undefined) mdNext(md);
            else boundedStatus(toGrpcStatus(denied, auth.log), st => call.sendStatus(st));
          },
        }),
      sendStatus: boundedStatus,
    });
  };
}
