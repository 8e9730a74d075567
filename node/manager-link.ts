/**
 * How this node reaches the managers: clients with its current certificate (made when first needed,
 * closed when the certificate changes) and where the managers are.
 */
import { ManagerClients, nodeCredentials, type ManagerService } from '../server/ca/manager-client.ts';
import type { ManagerHost } from './manager-host.ts';
import type { NodeState } from './node-state.ts';

export class ManagerLink {
  private clients: ManagerClients | undefined;

  constructor(
    private readonly state: NodeState,
    private readonly host: ManagerHost,
  ) {}

  /** The call on the first manager that answers (ManagerClients.callAny). */
  callAny<T>(service: ManagerService, method: string, req: object): Promise<T> {
    this.clients ??= new ManagerClients(nodeCredentials(this.state.requireCerts()));
    return this.clients.callAny<T>(this.addrs(), service, method, req);
  }

  /** Where the managers are: the other Raft members first (this one's store may lag), then this one. */
  addrs(): string[] {
    const m = this.host.manager;
    if (m === undefined) return this.state.saved?.managers ?? [];
    const others = [...m.raft.members].filter(([id]) => id !== m.identity.raftId).map(([, addr]) => addr);
    return [...others, m.identity.addr];
  }

  close(): void {
    this.clients?.close();
    this.clients = undefined;
  }
}
