/**
 * The manager's one NetworkAllocator, used only while this manager leads (swarmkit runs its allocator on
 * the leader): the pools of a single manager hand out every subnet, VNI, VIP and port, so no two managers
 * can give the same one away. Allocating calls run one at a time, and the pools are rebuilt from the store
 * at the first such call of each term, after a read barrier (everything earlier leaders committed is
 * applied by then), so a new leader continues exactly where the old one stopped.
 */
import type { Logger } from 'pino';
import { NetworkAllocator, type AllocatorOptions, type NetworkAllocationUpdate } from '../allocator/index.ts';
import type { RaftNode } from '../raftnode/raft-node.ts';
import { NotLeaderError } from '../../lib/not-leader-error.ts';
import {
  findNetworks,
  findServices,
  findNodes,
  findTasks,
  getNetwork,
  NotFoundError,
  StoreError,
  updateNetwork,
  type MemoryStore,
  type ProposeOptions,
  type Tx,
} from '../store/index.ts';

export class LeaderAllocator {
  private allocator: NetworkAllocator | undefined;
  /** The term the pools were rebuilt in; another term means another leader may have allocated meanwhile. */
  private builtTerm = -1;
  /** The allocating call in progress (settled either way): the next one starts after it. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: MemoryStore,
    private readonly raft: RaftNode,
    private readonly log: Logger,
    /** Read at every rebuild: the cluster's address pools, once the cluster object exists. */
    private readonly options: () => AllocatorOptions = () => ({}),
  ) {}

  /**
   * Runs `fn` with the leader's pools, after every allocating call before it has finished. Throws
   * UNAVAILABLE if this manager does not lead (the call is leader-only, so leadership just moved).
   */
  run<T>(fn: (allocator: NetworkAllocator) => Promise<T>): Promise<T> {
    const result = this.tail.then(() => this.ready()).then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Writes what `run`'s callback just allocated. If the store refused the write (nothing was written),
   * `undo` gives the allocation back to the pools. If the outcome is unknown (Raft gave up waiting), the
   * pools keep it: a leak until the next rebuild is harmless, handing it out twice is not.
   */
  async write(fn: (tx: Tx) => void, undo: () => void, options: ProposeOptions = {}): Promise<void> {
    this.checkLeading();
    try {
      // Fenced to the term the pools were built in (see ProposeOptions).
      await this.store.update(fn, Date.now(), { ...options, term: this.builtTerm });
    } catch (err) {
      if (err instanceof StoreError) undo();
      throw err;
    }
  }

  /**
   * Marks the pools as not to be trusted (a release that failed): the next call rebuilds them from the store.
   */
  invalidate(): void {
    this.builtTerm = -1;
  }

  private async ready(): Promise<NetworkAllocator> {
    if (!this.raft.isLeader) throw NotLeaderError.of(this.raft);
    const term = this.raft.term;
    if (this.allocator !== undefined && this.builtTerm === term) return this.allocator;
    await this.raft.readBarrier();
    if (!this.raft.isLeader || this.raft.term !== term) {
      throw NotLeaderError.of(this.raft);
    }
    const objects = this.store.view(tx => ({
      networks: findNetworks(tx),
      services: findServices(tx),
      tasks: findTasks(tx),
      nodes: findNodes(tx),
    }));
    const allocator = new NetworkAllocator(this.options());
    for (const p of allocator.rebuild(objects)) {
      this.log.warn(p, 'allocator: a stored allocation could not be taken back');
    }
    this.allocator = allocator;
    this.builtTerm = term;
    this.log.info({ term, networks: objects.networks.length }, 'allocator rebuilt from the store');
    return allocator;
  }

  /** A manager that stopped leading since the pools were built must not write from them. */
  private checkLeading(): void {
    if (!this.raft.isLeader || this.raft.term !== this.builtTerm) {
      throw NotLeaderError.of(this.raft);
    }
  }
}

/** Writes the networks whose allocation an allocation moved (their serial cursors), in the same transaction. */
export function writeNetworkUpdates(tx: Tx, updates: readonly NetworkAllocationUpdate[]): void {
  for (const { networkId, allocation } of updates) {
    const network = getNetwork(tx, networkId);
    if (network === undefined) throw new NotFoundError('networks', networkId);
    updateNetwork(tx, { ...network, allocation });
  }
}
