/**
 * Writes agents' task status reports to the store in batches (swarmkit's dispatcher batches them too):
 * after a quiet spell a few writes go at once (the RUNNING of two tasks on two nodes, moments apart,
 * are not held back); past that burst, reports arriving within `batchMs` of the last write, from any
 * number of nodes and calls, coalesce into the next store write. Each call is answered once the write
 * holding its reports is applied. One write at a time; a write that lost a race with another writer of
 * the same task is made again from fresh state.
 */
import { SendPacer } from '../../lib/send-pacer.ts';
import { jsonBytes } from '../allocator/index.ts';
import { oversizeAllowance, takeBatch } from '../leader/bounded-batch.ts';
import {
  getTask,
  SequenceConflictError,
  updateTask,
  type MemoryStore,
  type ProposeOptions,
} from '../store/index.ts';
import { coalesce, withReportedStatus, type NodeReport, type StatusReport } from './task-status.ts';

/** How many times a batch is written again after losing a race ("update out of sequence"). */
const CONFLICT_RETRIES = 3;
/** Writes made at once after a quiet spell, before reports are gathered over the batch period. */
const BURST = 4;

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export class StatusWriter {
  private pending = new Map<string, NodeReport>();
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly pacer: SendPacer;
  /** The write under way (or the last one); the next waits for it. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: MemoryStore,
    batchMs: number,
  ) {
    this.pacer = new SendPacer(batchMs, BURST, Date.now());
  }

  /**
   * Queues `reports` of `nodeId` (already checked to be its own tasks) for the next write; resolves
   * once that write is applied, rejects with its error.
   */
  add(nodeId: string, reports: readonly StatusReport[]): Promise<void> {
    if (reports.length === 0) return Promise.resolve();
    coalesce(this.pending, nodeId, reports);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.writing = this.writing.then(() => this.flush());
    }, this.pacer.delay(Date.now()));
    return done;
  }

  /** Fails every queued report with `err` (the dispatcher stopped leading). */
  abort(err: Error): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const waiters = this.waiters;
    this.pending = new Map();
    this.waiters = [];
    for (const w of waiters) w.reject(err);
  }

  private async flush(): Promise<void> {
    this.pacer.sent(Date.now());
    const batch = this.pending;
    const waiters = this.waiters;
    this.pending = new Map();
    this.waiters = [];
    if (waiters.length === 0) return;
    try {
      await this.write(batch);
      for (const w of waiters) w.resolve();
    } catch (err) {
      for (const w of waiters) w.reject(err);
    }
  }

  /**
   * Writes the reports in bounded parts (a node reporting 10,000 tasks at once would otherwise make one
   * write larger than a proposal may be), each part its own store write.
   */
  private async write(batch: ReadonlyMap<string, NodeReport>): Promise<void> {
    let rest = [...batch];
    const bytesOf = ([taskId]: [string, NodeReport]): number => {
      const task = this.store.view(tx => getTask(tx, taskId));
      return task === undefined ? 0 : jsonBytes(task);
    };
    while (rest.length > 0) {
      const part = takeBatch(rest, bytesOf);
      await this.writePart(part.items, oversizeAllowance(part));
      rest = rest.slice(part.items.length);
    }
  }

  private async writePart(reports: [string, NodeReport][], options: ProposeOptions): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.store.update(
          tx => {
            for (const [taskId, r] of reports) {
              const next = withReportedStatus(getTask(tx, taskId), r.nodeId, r.status);
              if (next !== undefined) updateTask(tx, next);
            }
          },
          Date.now(),
          options,
        );
        return;
      } catch (err) {
        if (!(err instanceof SequenceConflictError) || attempt >= CONFLICT_RETRIES) throw err;
      }
    }
  }
}
