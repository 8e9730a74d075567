/**
 * A node's calls to the managers (CA, NodeCA, RaftMembership, ResourceAllocator on the manager port): one unary call,
 * on one address or on each of a list in turn until one manager answers. Managers are dialled by
 * address and checked by their role name (their certificates carry `swarm-manager`, not an IP).
 */
import * as grpc from '@grpc/grpc-js';
import { clientOf, loadShoalPackage, TRUSTED_PEER_CHANNEL, unaryCall } from '../../proto/load.ts';
import { UnavailableError } from '../../lib/errors.ts';
import { RpcError } from '../rpc/status.ts';

const caPkg = loadShoalPackage('ca.proto');
const resourcePkg = loadShoalPackage('resource.proto');

/** The client class of each service a node calls on the managers. */
const MANAGER_CLIENTS = {
  CA: clientOf(caPkg, 'CA'),
  NodeCA: clientOf(caPkg, 'NodeCA'),
  RaftMembership: clientOf(caPkg, 'RaftMembership'),
  ResourceAllocator: clientOf(resourcePkg, 'ResourceAllocator'),
};

export type ManagerService = keyof typeof MANAGER_CLIENTS;

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

/**
 * One call to the manager at `addr`; a failure comes back as an RpcError with the manager's status, or,
 * when no manager answered there, UNAVAILABLE saying `could not reach the manager at <addr>: <why>` (a
 * caller of a daemon that relays it must not read it as its own failure to reach that daemon).
 */
export async function callManager<T>(
  addr: string,
  creds: grpc.ChannelCredentials,
  service: ManagerService,
  method: string,
  req: object,
  timeoutMs = CALL_TIMEOUT_MS,
): Promise<T> {
  const Client = MANAGER_CLIENTS[service];
  const client = new Client(addr, creds, {
    ...TRUSTED_PEER_CHANNEL,
    'grpc.ssl_target_name_override': 'swarm-manager',
  });
  try {
    return await unaryCall<T>(client, method, req, { deadline: Date.now() + timeoutMs });
  } catch (err) {
    const e = err as grpc.ServiceError;
    const why = notReached(e, timeoutMs);
    if (why === undefined) throw new RpcError(e.code, e.details);
    throw new UnavailableError(`could not reach the manager at ${shown(addr)}: ${why}`);
  } finally {
    client.close();
  }
}

/** The address as the operator gave it, cut short if it is long (it is echoed back). */
function shown(addr: string): string {
  return addr.length <= 100 ? addr : `${addr.slice(0, 99)}…`;
}

/** Socket errors a failed connection names, as the operator knows them (Go's texts, as docker shows them). */
const SOCKET_ERRORS: readonly [RegExp, string][] = [
  [/\bECONNREFUSED\b/, 'connection refused'],
  [/\bECONNRESET\b/, 'connection reset by peer'],
  [/\bETIMEDOUT\b/, 'connection timed out'],
  [/\bEHOSTUNREACH\b/, 'no route to host'],
  [/\bENETUNREACH\b/, 'network is unreachable'],
  [/\bEADDRNOTAVAIL\b/, 'cannot assign requested address'],
];

/**
 * Why the call reached no manager, read from grpc-js' own texts for a connection that never came up, a
 * TLS handshake that failed, a name that did not resolve, a deadline, or a server without the method;
 * undefined when a manager answered (its status is passed on as it is).
 */
function notReached(err: grpc.ServiceError, timeoutMs: number): string | undefined {
  if (err.code === grpc.status.DEADLINE_EXCEEDED) return `no answer within ${timeoutMs / 1000} s`;
  if (err.code === grpc.status.UNIMPLEMENTED) return 'the server there is not a shoal manager';
  if (err.code !== grpc.status.UNAVAILABLE) return undefined;
  if (err.details.startsWith('Name resolution failed')) return 'the host name does not resolve';
  const last = /^No connection established\. Last error: (.*?)(?:\. Resolution note:.*)?$/s.exec(err.details);
  if (last?.[1] === undefined) return undefined;
  const cause = last[1];
  for (const [pattern, text] of SOCKET_ERRORS) if (pattern.test(cause)) return text;
  if (/\b(SSL|TLS)\b/.test(cause)) {
    return 'the TLS handshake failed (is that the manager port of a shoal node?)';
  }
  return cause
    .replace(/^Error: /, '')
    .replaceAll('\n', ' ')
    .slice(0, 200);
}

/** Statuses that say "this manager did not answer", as opposed to an answer that was an error. */
function unreachable(code: grpc.status): boolean {
  return code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED;
}

/**
 * A node's long-lived clients to the managers, one per address and service, for one certificate (a
 * renewed certificate needs new ones). Kept open between calls: a poll every few seconds should not
 * cost a TLS handshake each time, and connections opened in passing race managers shutting down.
 */
export class ManagerClients {
  private readonly clients = new Map<string, grpc.Client>();
  private closed = false;

  constructor(private readonly creds: grpc.ChannelCredentials) {}

  /**
   * The call on the first manager of `addrs` that answers: one that is down (or has no leader) is
   * skipped; an error answer from a live one ends the search, since another would say the same.
   * Throws the last RpcError (the manager's status, relayed as it came), or UnavailableError when there
   * is no address at all.
   */
  async callAny<T>(
    addrs: readonly string[],
    service: ManagerService,
    method: string,
    req: object,
  ): Promise<T> {
    let last: Error = new UnavailableError('no manager address is known');
    for (const addr of new Set(addrs)) {
      try {
        return await unaryCall<T>(this.client(addr, service), method, req, {
          deadline: Date.now() + CALL_TIMEOUT_MS,
        });
      } catch (err) {
        const e = err as grpc.ServiceError;
        last = new RpcError(e.code, e.details);
        if (!unreachable(e.code)) throw last;
      }
    }
    throw last;
  }

  /** Closes every client (and its connection); later calls fail. */
  close(): void {
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private client(addr: string, service: ManagerService): grpc.Client {
    if (this.closed) throw new UnavailableError('the clients to the managers are closed');
    const key = `${service} ${addr}`;
    let c = this.clients.get(key);
    if (c === undefined) {
      c = new MANAGER_CLIENTS[service](addr, this.creds, {
        ...TRUSTED_PEER_CHANNEL,
        'grpc.ssl_target_name_override': 'swarm-manager',
        // Its own connections, which close() really closes (the shared pool would keep them a while).
        'grpc.use_local_subchannel_pool': 1,
      });
      this.clients.set(key, c);
    }
    return c;
  }
}
