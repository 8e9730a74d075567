/**
 * Who may call what, declared once: every RPC on the manager port is in METHOD_ROLES, and one server
 * interceptor checks the caller's certificate (OU = role, O = cluster) before any handler runs.
 * Handlers never check roles. A method missing from the table is refused: new RPCs are closed by default.
 */
import * as grpc from '@grpc/grpc-js';

export type Role = 'swarm-manager' | 'swarm-worker';
/** 'any' = no client certificate needed (the CA bootstrap calls). */
export type Allowed = 'any' | readonly Role[];

const M: readonly Role[] = ['swarm-manager'];

export const METHOD_ROLES: Readonly<Record<string, Allowed>> = {
  '/shoal.v1.CA/GetRootCACertificate': 'any',
  '/shoal.v1.NodeCA/IssueNodeCertificate': 'any',
  '/shoal.v1.Raft/Stream': M,
  '/shoal.v1.Control/ListNodes': M,
  '/shoal.v1.Control/GetNode': M,
  '/shoal.v1.Control/UpdateNode': M,
  '/shoal.v1.Control/RemoveNode': M,
  '/shoal.v1.Control/GetCluster': M,
  '/shoal.v1.Control/RotateJoinToken': M,
  '/shoal.v1.Control/CreateConfig': M,
  '/shoal.v1.Control/ListConfigs': M,
  '/shoal.v1.Control/RemoveConfig': M,
  '/grpc.health.v1.Health/Check': 'any',
  '/grpc.health.v1.Health/Watch': 'any',
  // The contract is public: any client may discover it.
  '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo': 'any',
  '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo': 'any',
  // Certificates are public: nodes read their own (and its role) before and after they hold one.
  '/shoal.v1.NodeCA/NodeCertificateStatus': 'any',
  '/shoal.v1.NodeCA/LeaveSwarm': ['swarm-worker', 'swarm-manager'],
};

/** The part of grpc-js' (unexported) AuthContext this module reads. */
interface PeerAuth {
  sslPeerCertificate?: { subject?: Partial<Record<string, string | string[]>> };
}

export interface Caller {
  nodeId: string;
  role: Role;
  clusterId: string;
}

/** The caller's identity from its verified client certificate, or undefined without one. */
export function callerOf(call: { getAuthContext(): PeerAuth | null }): Caller | undefined {
  const subject = call.getAuthContext()?.sslPeerCertificate?.subject;
  if (subject === undefined) return undefined;
  const { CN, OU, O } = subject;
  if (OU !== 'swarm-manager' && OU !== 'swarm-worker') return undefined;
  if (typeof CN !== 'string' || typeof O !== 'string') return undefined;
  return { nodeId: CN, role: OU, clusterId: O };
}

export interface AuthorizerOptions {
  clusterId(): string | undefined;
  /** Why a node may no longer call (it was removed), or undefined. */
  refused(nodeId: string): string | undefined;
}

/** The verdict for one call: undefined = allowed. */
export function authorize(
  path: string,
  caller: Caller | undefined,
  o: AuthorizerOptions,
): grpc.StatusObject | undefined {
  const allowed = METHOD_ROLES[path];
  const deny = (code: grpc.status, details: string): grpc.StatusObject => ({
    code,
    details,
    metadata: new grpc.Metadata(),
  });
  if (allowed === undefined) return deny(grpc.status.PERMISSION_DENIED, `method ${path} is not allowed`);
  if (allowed === 'any') return undefined;
  if (caller === undefined)
    return deny(grpc.status.UNAUTHENTICATED, 'a client certificate of this cluster is required');
  const cluster = o.clusterId();
  if (cluster !== undefined && caller.clusterId !== cluster) {
    return deny(
      grpc.status.PERMISSION_DENIED,
      `certificate is for cluster ${caller.clusterId}, not this one`,
    );
  }
  const why = o.refused(caller.nodeId);
  if (why !== undefined) return deny(grpc.status.PERMISSION_DENIED, why);
  if (!allowed.includes(caller.role)) {
    return deny(
      grpc.status.PERMISSION_DENIED,
      `Permission denied: unauthorized peer role: rpc error: ${caller.role}`,
    );
  }
  return undefined;
}

/** The interceptor that applies `authorize` to every call on the server. */
export function authorizationInterceptor(o: AuthorizerOptions): grpc.ServerInterceptor {
  return (method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: next =>
        next({
          onReceiveMetadata: (md, mdNext) => {
            const denied = authorize(method.path, callerOf(call), o);
            if (denied === undefined) mdNext(md);
            else call.sendStatus(denied);
          },
        }),
    });
}
