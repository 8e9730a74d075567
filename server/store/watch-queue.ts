import { WatchQueueOverflowError } from './errors.ts';
import type { StoreObject } from './objects.ts';
import type { StoreActionKind } from './store-action.ts';

/**
 * A committed change, published after the entry that made it was applied. Events come in log order, and
 * within an entry in changelist order; all events of one entry share its `index`.
 */
export interface StoreEvent<T extends StoreObject = StoreObject> {
  readonly kind: StoreActionKind;
  readonly table: string;
  /** The object after the change; for a remove, the object as it was when removed. */
  readonly object: T;
  /** For an update, the object before the change. */
  readonly oldObject?: T;
  /** The Raft index of the entry that made the change (= `object.meta.version.index` unless removed). */
  readonly index: number;
}

/** Which events a watcher receives; all given criteria must hold. */
export interface WatchFilter {
  /** Only events of these tables (by name, e.g. `nodeTable.name`). */
  tables?: readonly string[];
  /** Only these kinds of change. */
  kinds?: readonly StoreActionKind[];
  /** Any further condition. It runs while the store applies an entry: keep it cheap; if it throws, the watcher is closed with that error. */
  where?: (event: StoreEvent) => boolean;
}

/** Per-watcher options. */
export interface WatchOptions {
  /**
   * Most undelivered events the watcher may hold; one more closes it with WatchQueueOverflowError.
   * @default 10000
   */
  maxQueued?: number;
}

/** The default for `WatchOptions.maxQueued`. */
export const DEFAULT_WATCH_QUEUE_LIMIT = 10_000;

/**
 * A live feed of committed changes. Iterate it (`for await`), once; leaving the loop closes it. `next()`
 * rejects (once) if the store closed it — WatchQueueOverflowError, StoreRestoredError, or what the filter's
 * `where` threw — and is done after `close()` or after that error. Events still queued when it is closed are dropped.
 */
export interface Watcher extends AsyncIterableIterator<StoreEvent> {
  /** Stops the feed; pending and later `next()` calls report done. Idempotent. */
  close(): void;
  /** True once closed, by the consumer or by the store. */
  readonly closed: boolean;
}

interface Reader {
  resolve(result: IteratorResult<StoreEvent, undefined>): void;
  reject(error: Error): void;
}

/**
 * The store's side of a Watcher: a bounded FIFO fed synchronously by `offer` when
 * an entry is applied, drained by the consumer through promises. No timers: a waiting consumer is resumed
 * by resolving its promise. Not re-entrant: `offer` must not be called from a `where` filter.
 */
export class WatchQueue implements Watcher {
  private readonly filter: WatchFilter;
  private readonly limit: number;
  private readonly onClose: (queue: WatchQueue) => void;
  /** Undelivered events are `events[head..]`; the prefix is dropped in chunks so reading stays O(1). */
  private events: StoreEvent[] = [];
  private head = 0;
  private readers: Reader[] = [];
  private isClosed = false;
  /** Set when the store closed the queue, until a reader has been given it. */
  private error: Error | undefined;

  constructor(filter: WatchFilter, options: WatchOptions, onClose: (queue: WatchQueue) => void) {
    this.filter = filter;
    this.limit = options.maxQueued ?? DEFAULT_WATCH_QUEUE_LIMIT;
    this.onClose = onClose;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Number of events waiting to be read. */
  get queued(): number {
    return this.events.length - this.head;
  }

  /** Delivers `event` if the filter accepts it; closes the queue with an error if it is full. */
  offer(event: StoreEvent): void {
    if (this.isClosed) return;
    let accepted: boolean;
    try {
      accepted = this.accepts(event);
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (!accepted) return;
    const reader = this.readers.shift();
    if (reader !== undefined) {
      reader.resolve({ done: false, value: event });
    } else if (this.queued >= this.limit) {
      this.fail(new WatchQueueOverflowError(this.limit));
    } else {
      this.events.push(event);
    }
  }

  /** Closes the queue from the store's side: queued events are dropped and the consumer gets `error`. */
  fail(error: Error): void {
    if (this.isClosed) return;
    this.shut();
    const readers = this.readers;
    this.readers = [];
    if (readers.length === 0) this.error = error;
    for (const reader of readers) reader.reject(error);
  }

  close(): void {
    if (this.isClosed) return;
    this.shut();
    const readers = this.readers;
    this.readers = [];
    for (const reader of readers) reader.resolve({ done: true, value: undefined });
  }

  next(): Promise<IteratorResult<StoreEvent, undefined>> {
    if (this.head < this.events.length) {
      const value = this.events[this.head++] as StoreEvent;
      if (this.head >= 1024 && this.head * 2 >= this.events.length) {
        this.events = this.events.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ done: false, value });
    }
    if (this.error !== undefined) {
      const error = this.error;
      this.error = undefined;
      return Promise.reject(error);
    }
    if (this.isClosed) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => this.readers.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<StoreEvent, undefined>> {
    this.close();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private accepts(event: StoreEvent): boolean {
    const { tables, kinds, where } = this.filter;
    if (tables !== undefined && !tables.includes(event.table)) return false;
    if (kinds !== undefined && !kinds.includes(event.kind)) return false;
    return where === undefined || where(event);
  }

  private shut(): void {
    this.isClosed = true;
    this.events = [];
    this.head = 0;
    this.onClose(this);
  }
}
