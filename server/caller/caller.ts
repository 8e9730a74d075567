/**
 * Who made a call on the manager port: the peer's verified client certificate (OU = role, O = cluster),
 * or, on a call a manager forwarded to the leader, the original caller it names in metadata, or the
 * manager itself for a call made on its daemon's local socket. `callerOf` is the one function handlers,
 * the Raft transport and the forwarder ask; the authorization interceptor (server/ca/authorize.ts)
 * checks the same identity against the roles table before any handler runs.
 */
import type * as grpc from '@grpc/grpc-js';

/** A certificate's role (its OU). */
export type Role = 'swarm-manager' | 'swarm-worker';

/**
 * Metadata a manager adds to a call it forwards: the original caller as `<node id>;<role>;<cluster id>`,
 * or `anonymous` for one without a certificate (a joining node).
 */
export const FORWARDED_FOR = 'shoal-forwarded-for';
const ANONYMOUS = 'anonymous';

/** The part of grpc-js' (unexported) AuthContext this module reads. */
interface PeerAuth {
  sslPeerCertificate?: { subject?: Partial<Record<string, string | string[]>> };
}

export interface Caller {
  nodeId: string;
  role: Role;
  clusterId: string;
}

/** The direct peer's identity from its verified client certificate, or undefined without one. */
export function peerOf(call: { getAuthContext(): PeerAuth | null }): Caller | undefined {
  const subject = call.getAuthContext()?.sslPeerCertificate?.subject;
  if (subject === undefined) return undefined;
  const { CN, OU, O } = subject;
  if (OU !== 'swarm-manager' && OU !== 'swarm-worker') return undefined;
  if (typeof CN !== 'string' || typeof O !== 'string') return undefined;
  return { nodeId: CN, role: OU, clusterId: O };
}

/** What a call's forwarded-for metadata says; 'direct' = it has none. */
export type Forwarded =
  { kind: 'direct' } | { kind: 'anonymous' } | { kind: 'caller'; caller: Caller } | { kind: 'malformed' };

export function forwardedOf(md: grpc.Metadata): Forwarded {
  const values = md.get(FORWARDED_FOR);
  if (values.length === 0) return { kind: 'direct' };
  const [value] = values;
  if (values.length !== 1 || typeof value !== 'string') return { kind: 'malformed' };
  if (value === ANONYMOUS) return { kind: 'anonymous' };
  const [nodeId = '', role, clusterId = '', ...rest] = value.split(';');
  if (rest.length > 0 || nodeId === '' || clusterId === '') return { kind: 'malformed' };
  if (role !== 'swarm-manager' && role !== 'swarm-worker') return { kind: 'malformed' };
  return { kind: 'caller', caller: { nodeId, role, clusterId } };
}

/** The forwarded-for value that names `caller` (undefined: a caller without a certificate). */
export function forwardedFor(caller: Caller | undefined): string {
  return caller === undefined ? ANONYMOUS : `${caller.nodeId};${caller.role};${caller.clusterId}`;
}

/** Calls on the daemon's local socket (no certificate there), with the manager they act as. */
const localCalls = new WeakMap<object, Caller>();

/** Marks `call`, made on the daemon's local socket, as made by `caller` (that daemon's manager). */
export function actAs(call: object, caller: Caller): void {
  localCalls.set(call, caller);
}

/**
 * Who made the call: the one function handlers ask. A call forwarded by a manager of the same cluster
 * is the original caller's (undefined if that one had no certificate); forwarded-for from anyone else
 * names nobody (the interceptor refuses such calls anyway); any other call is its peer certificate's.
 */
export function callerOf(call: {
  getAuthContext(): PeerAuth | null;
  readonly metadata: grpc.Metadata;
}): Caller | undefined {
  const local = localCalls.get(call);
  if (local !== undefined) return local;
  const peer = peerOf(call);
  const fwd = forwardedOf(call.metadata);
  if (fwd.kind === 'direct') return peer;
  if (peer?.role !== 'swarm-manager' || fwd.kind !== 'caller') return undefined;
  return fwd.caller.clusterId === peer.clusterId ? fwd.caller : undefined;
}
