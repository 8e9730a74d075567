/**
 * Stand-ins for the Raft driver, which implements `Proposer` in production: each "commits" proposals by
 * calling `applyStoreActions` with the next index, the way the driver does once an entry is committed.
 */
import assert from 'node:assert/strict';
import {
  decodeStoreActions,
  encodeStoreActions,
  MemoryStore,
  type ApplyResult,
  type MemoryStoreOptions,
  type Proposer,
  type ProposalResult,
  type StoreAction,
} from '../../server/store/index.ts';

/** Applies each proposal at once to one store, at the next index. */
export class ImmediateProposer implements Proposer {
  index = 0;
  readonly proposals: StoreAction[][] = [];
  store: MemoryStore | undefined;

  propose(actions: StoreAction[]): Promise<ProposalResult> {
    assert.ok(this.store, 'store not attached');
    this.proposals.push(actions);
    return Promise.resolve(this.store.applyStoreActions(actions, ++this.index));
  }
}

/** A store wired to an ImmediateProposer. */
export function singleStore(options: MemoryStoreOptions = {}): {
  store: MemoryStore;
  proposer: ImmediateProposer;
} {
  const proposer = new ImmediateProposer();
  const store = new MemoryStore(proposer, options);
  proposer.store = store;
  return { store, proposer };
}

interface Pending {
  actions: StoreAction[];
  resolve(result: ProposalResult): void;
}

/**
 * A replicated log over several stores. Proposals wait until `commit()` puts them in the log, in the order
 * given; every replica then applies each entry from its own decoded copy of the bytes (as Raft ships
 * them), and the proposal settles with the first replica's verdict, as the driver settles it with its
 * own replica's. Every replica's verdict is recorded.
 */
export class ReplicatedProposer implements Proposer {
  index = 0;
  readonly replicas: MemoryStore[] = [];
  readonly pending: Pending[] = [];
  /** Per committed entry, each replica's verdict. */
  readonly verdicts: ApplyResult[][] = [];
  /** When true, proposals are committed as they arrive. */
  autoCommit: boolean;

  constructor(replicaCount: number, autoCommit: boolean, options: MemoryStoreOptions = {}) {
    this.autoCommit = autoCommit;
    for (let i = 0; i < replicaCount; i++) this.replicas.push(new MemoryStore(this, options));
  }

  propose(actions: StoreAction[]): Promise<ProposalResult> {
    return new Promise(resolve => {
      this.pending.push({ actions, resolve });
      if (this.autoCommit) this.commit();
    });
  }

  /** Commits the pending proposals in the order of `order` (indexes into `pending`), or all in arrival order. */
  commit(order?: number[]): ApplyResult[][] {
    const chosen = (order ?? this.pending.map((_, i) => i)).map(i => {
      const p = this.pending[i];
      assert.ok(p, `no pending proposal ${i}`);
      return p;
    });
    this.pending.splice(0, this.pending.length, ...this.pending.filter(p => !chosen.includes(p)));
    const out: ApplyResult[][] = [];
    for (const p of chosen) {
      const bytes = encodeStoreActions(p.actions);
      const index = ++this.index;
      const results = this.replicas.map(r => r.applyStoreActions(decodeStoreActions(bytes), index));
      const summary = (r: ApplyResult): string => (r.ok ? 'ok' : `${r.error.name}: ${r.error.message}`);
      assert.deepEqual(
        results.map(summary),
        results.map(() => summary(results[0] as ApplyResult)),
        'replicas disagree',
      );
      this.verdicts.push(results);
      out.push(results);
      p.resolve(results[0] as ApplyResult);
    }
    return out;
  }
}
