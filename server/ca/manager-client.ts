/**
 * A node's calls to the managers (CA, NodeCA, RaftMembership on the manager port): one unary call,
 * on one address or on each of a list in turn until one manager answers. Managers are dialled by
 * address and checked by their role name (their certificates carry `swarm-manager`, not an IP).
 */
import * as grpc from '@grpc/grpc-js';
import { clientOf, loadShoalPackage, unaryCall } from '../../proto/load.ts';
import { RpcError } from '../rpc/status.ts';

const caPkg = loadShoalPackage('ca.proto');

export type ManagerService = 'CA' | 'NodeCA' | 'RaftMembership';

/** swarmkit's agent RPC timeout. */
const CALL_TIMEOUT_MS = 5_000;

/** Mutual TLS as a node of the cluster, trusting only its root CA. */
export function nodeCredentials(certs: {
  caPem: string;
  certPem: string;
  keyPem: string;
}): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(
    Buffer.from(certs.caPem),
    Buffer.from(certs.keyPem),
    Buffer.from(certs.certPem),
  );
}

/** One call to the manager at `addr`; a failure comes back as an RpcError with the manager's status. */
export async function callManager<T>(
  addr: string,
  creds: grpc.ChannelCredentials,
  service: ManagerService,
  method: string,
  req: object,
  timeoutMs = CALL_TIMEOUT_MS,
): Promise<T> {
  const Client = clientOf(caPkg, service);
  const client = new Client(addr, creds, { 'grpc.ssl_target_name_override': 'swarm-manager' });
  try {
    return await unaryCall<T>(client, method, req, { deadline: Date.now() + timeoutMs });
  } catch (err) {
    const e = err as grpc.ServiceError;
    throw new RpcError(e.code, e.details);
  } finally {
    client.close();
  }
}

/** Statuses that say "this manager did not answer", as opposed to an answer that was an error. */
function unreachable(code: grpc.status): boolean {
  return code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED;
}

/**
 * The call on the first manager of `addrs` that answers: one that is down (or has no leader) is
 * skipped; an error answer from a live one ends the search, since another would say the same.
 * Throws the last RpcError, or UNAVAILABLE when there is no address at all.
 */
export async function callAnyManager<T>(
  addrs: readonly string[],
  creds: grpc.ChannelCredentials,
  service: ManagerService,
  method: string,
  req: object,
): Promise<T> {
  let last = new RpcError(grpc.status.UNAVAILABLE, 'no manager address is known');
  for (const addr of new Set(addrs)) {
    try {
      return await callManager<T>(addr, creds, service, method, req);
    } catch (err) {
      if (!(err instanceof RpcError) || !unreachable(err.code)) throw err;
      last = err;
    }
  }
  throw last;
}
