/**
 * Errors the store raises. Each names one condition; callers test with `instanceof`. Messages are
 * swarmkit's (`manager/state/store/memory.go`) so that logs read the same; the structured fields say
 * which object. `ApplyResult` carries these from the apply path back to the writer.
 */

import { DomainError, type ErrorKind } from '../../lib/domain-error.ts';

/** Base class of every error the store raises; one that is not the caller's fault is `internal`. */
export class StoreError extends DomainError {
  override readonly name: string = 'StoreError';
  readonly kind: ErrorKind = 'internal';
  /** The table the failing write or read named, when there is one. */
  readonly table: string | undefined;
  /** The id of the object concerned, when there is one. */
  readonly id: string | undefined;
  constructor(message: string, table?: string, id?: string, options?: ErrorOptions) {
    super(message, options);
    this.table = table;
    this.id = id;
  }
}

/** An update or remove named an object that does not exist (or no longer exists when the write is applied). */
export class NotFoundError extends StoreError {
  override readonly name = 'NotFoundError';
  override readonly kind = 'not-found';
  constructor(table: string, id: string) {
    super('object does not exist', table, id);
  }
}

/** A create named an id that an object of the same table already has. */
export class AlreadyExistsError extends StoreError {
  override readonly name = 'AlreadyExistsError';
  override readonly kind = 'already-exists';
  constructor(table: string, id: string) {
    super('object already exists', table, id);
  }
}

/**
 * A create or update would give an object a name that another object of the same table already has, in a
 * table whose names are unique (compared case-insensitively, as swarmkit's name index does).
 */
export class NameConflictError extends StoreError {
  override readonly name = 'NameConflictError';
  override readonly kind = 'already-exists';
  /** The conflicting name, as the writer spelled it. (`name` is the error class's name.) */
  readonly objectName: string;
  /** The id of the object that already holds the name. */
  readonly holderId: string;
  constructor(table: string, id: string, objectName: string, holderId: string) {
    super('name conflicts with an existing object', table, id);
    this.objectName = objectName;
    this.holderId = holderId;
  }
}

/**
 * An update carried a version other than the stored object's: someone else changed the object since the
 * writer read it. The writer re-reads and retries. The message is exactly swarmkit's.
 */
export class SequenceConflictError extends StoreError {
  override readonly name = 'SequenceConflictError';
  override readonly kind = 'invalid-argument';
  /** The version (Raft index) the writer read and sent with its update. */
  readonly givenVersion: number;
  /** The version the stored object has. */
  readonly storedVersion: number;
  constructor(table: string, id: string, givenVersion: number, storedVersion: number) {
    super('update out of sequence', table, id);
    this.givenVersion = givenVersion;
    this.storedVersion = storedVersion;
  }
}

/**
 * A call the store cannot make sense of: an unknown table, an empty id, a malformed action or snapshot,
 * an asynchronous transaction callback, an apply index that does not move forward. The message says which.
 */
export class InvalidArgumentError extends StoreError {
  override readonly name = 'InvalidArgumentError';
  override readonly kind = 'invalid-argument';
}

/** A transaction object was used after its callback returned: transactions do not outlive their callback. */
export class TransactionClosedError extends StoreError {
  override readonly name = 'TransactionClosedError';
  constructor() {
    super('store: transaction used after its callback returned');
  }
}

/**
 * A watcher fell more than its queue limit behind the store and was closed, so that one slow consumer
 * cannot grow the manager's memory without bound. The consumer re-syncs with `viewAndWatch`.
 */
export class WatchQueueOverflowError extends StoreError {
  override readonly name = 'WatchQueueOverflowError';
  /** How many undelivered events the watcher was allowed to hold. */
  readonly limit: number;
  constructor(limit: number) {
    super(`store: watcher fell more than ${limit} events behind and was closed`);
    this.limit = limit;
  }
}

/**
 * The store's whole state was replaced by `restore` (a Raft snapshot was installed). The events a watcher
 * would need to get from its old view to the new state do not exist, so it is closed with this error and
 * must re-sync with `viewAndWatch`.
 */
export class StoreRestoredError extends StoreError {
  override readonly name = 'StoreRestoredError';
  /** The applied index of the restored state. */
  readonly index: number;
  constructor(index: number) {
    super(`store: state replaced by a snapshot at index ${index}; re-read and watch again`);
    this.index = index;
  }
}
