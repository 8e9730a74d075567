import type { StoreError } from './errors.ts';
import type { StoreObject } from './objects.ts';

/** What a store action does to its object. */
export type StoreActionKind = 'create' | 'update' | 'remove';

/**
 * One change of a transaction's changelist; a list of them is one Raft entry (swarmkit `StoreAction`).
 * - create: `object` is the new object; its `meta.version` is ignored (the entry's index becomes it).
 * - update: `object` is the new state and carries in `meta.version` the version the writer read; the
 *   update applies only if the stored object still has that version.
 * - remove: only `object.id` matters; removes are not version-checked (as in swarmkit).
 * The store sets `meta.createdAt`/`meta.updatedAt` when it records the action; apply takes them as they are.
 */
export interface StoreAction {
  kind: StoreActionKind;
  table: string;
  object: StoreObject;
}

/**
 * The verdict of applying one entry's actions, identical on every replica: all applied (each written
 * object now has `meta.version.index === index`), or none, with the reason.
 */
export type ApplyResult = { ok: true; index: number } | { ok: false; index: number; error: StoreError };

/** What a proposal settles with: the proposing replica's own `ApplyResult` for the entry. */
export type ProposalResult = ApplyResult;

/**
 * How a write may be proposed. `term`: only by this manager as the leader of that term, never
 * forwarded; a write computed from a leader's in-memory state (the allocator's pools) must not reach
 * the log through a later leader, which rebuilt its own state from the store meanwhile. `maxBytes`:
 * the largest encoded changelist accepted instead of the proposer's own limit (the leader's writes of
 * an object stored before the limit existed, which no smaller write can carry).
 */
export interface ProposeOptions {
  term?: number;
  maxBytes?: number;
}

/**
 * Replicates a changelist (swarmkit `state.Proposer`). Implemented by the Raft driver: it proposes the
 * actions as one entry and resolves once that entry is committed and applied on this replica, with the
 * `ApplyResult` that `MemoryStore.applyStoreActions` returned for it. It rejects when the entry's fate is
 * unknown or it was not accepted (not the leader, leadership lost, timed out); the writer may then retry,
 * and a retried write that did go through the first time fails the same checks (exists, version) rather than
 * applying twice.
 */
export interface Proposer {
  propose(actions: StoreAction[], options?: ProposeOptions): Promise<ProposalResult>;
}
