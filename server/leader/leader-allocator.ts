/**
 * The manager's one NetworkAllocator, used only while this manager leads (swarmkit runs its allocator on
 * the leader): the pools of a single manager hand out every subnet, VNI, VIP and port, so no two managers
 * can give the same one away. Allocating calls run one at a time. A leader service (leadership.ts): the
 * pools are rebuilt from the store when this manager starts leading a term, after the lifecycle's read
 * barrier (everything earlier leaders committed is applied by then), so a new leader continues exactly
 * where the old one stopped; they are dropped the moment it stops leading.
 */
import type { Logger } from 'pino';
import { NetworkAllocator, type AllocatorOptions, type NetworkAllocationUpdate } from '../allocator/index.ts';
import { NotLeaderError, type LeaderKnowledge } from '../../lib/not-leader-error.ts';
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
import type { LeaderService } from './leadership.ts';

/** What the allocator reads of the Raft node: a write from the pools is fenced to their term. */
export interface AllocatorRaft extends LeaderKnowledge {
  readonly isLeader: boolean;
  readonly term: number;
}

export class LeaderAllocator implements LeaderService {
  readonly name = 'allocator';
  /** The pools of the term this manager leads; undefined while it does not. */
  private pools: { allocator: NetworkAllocator; term: number } | undefined;
  /** The pools are not to be trusted (a release failed): the next call rebuilds them. */
  private stale = false;
  /** The allocating call in progress (settled either way): the next one starts after it. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: MemoryStore,
    private readonly raft: AllocatorRaft,
    private readonly log: Logger,
    /** Resolves once the leader-only services serve (Leadership.serving); NotLeaderError otherwise. */
    private readonly serving: () => Promise<unknown>,
    /** Read at every rebuild: the cluster's address pools, once the cluster object exists. */
    private readonly options: () => AllocatorOptions = () => ({}),
  ) {}

  start(term: number): void {
    this.pools = { allocator: this.rebuild(term), term };
    this.stale = false;
  }

  stop(): void {
    this.pools = undefined;
  }

  /**
   * Runs `fn` with the leader's pools, after every allocating call before it has finished. A leader
   * whose services are starting waits for them; a manager that does not lead throws NotLeaderError (the
   * call is leader-only, so leadership just moved).
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
    const term = this.leadingTerm();
    try {
      // Fenced to the term the pools were built in (see ProposeOptions).
      await this.store.update(fn, Date.now(), { ...options, term });
    } catch (err) {
      if (err instanceof StoreError) undo();
      throw err;
    }
  }

  /**
   * Marks the pools as not to be trusted (a release that failed): the next call rebuilds them from the store.
   */
  invalidate(): void {
    this.stale = true;
  }

  private async ready(): Promise<NetworkAllocator> {
    await this.serving();
    const term = this.leadingTerm();
    const pools = this.pools;
    if (pools === undefined) throw NotLeaderError.of(this.raft);
    if (this.stale) {
      pools.allocator = this.rebuild(term);
      this.stale = false;
    }
    return pools.allocator;
  }

  private rebuild(term: number): NetworkAllocator {
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
    this.log.info({ term, networks: objects.networks.length }, 'allocator rebuilt from the store');
    return allocator;
  }

  /** The term of the pools; a manager that stopped leading since they were built must not use them. */
  private leadingTerm(): number {
    const term = this.pools?.term;
    if (term === undefined || !this.raft.isLeader || this.raft.term !== term) {
      throw NotLeaderError.of(this.raft);
    }
    return term;
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
