/**
 * Writes agents' task status reports to the store in batches (swarmkit's dispatcher batches them too):
 * after a quiet spell a few writes go at once (the RUNNING of two tasks on two nodes, moments apart,
 * are not held back); past that burst, reports arriving within `batchMs` of the last write, from any
 * number of nodes and calls, coalesce into the next store write. One write at a time, of a bounded
 * part, oldest reports first; a write that lost a race with another writer of the same task is made
 * again from fresh state.
 *
 * Each call is answered once the writes holding its own reports are applied, not the whole backlog:
 * with thousands of nodes reporting at once, a call that waited for every report queued with it waited
 * past the agent's deadline, was sent again, and waited again (no answer came in time at 5,000 nodes).
 * A report the store already holds (sent again after a slow answer) is answered at once.
 */
import { SendPacer } from '../../lib/send-pacer.ts';
import { jsonBytes } from '../allocator/index.ts';
import { oversizeAllowance, PIPELINE_BATCH, takeBatch } from '../leader/bounded-batch.ts';
import {
  getTask,
  SequenceConflictError,
  updateTask,
  type MemoryStore,
  type ProposeOptions,
} from '../store/index.ts';
import { coalesce, withReportedStatus, type NodeReport, type StatusReport } from './task-status.ts';

/** How many times a write is made again after losing a race ("update out of sequence"). */
const CONFLICT_RETRIES = 3;
/** Writes made at once after a quiet spell, before reports are gathered over the batch period. */
const BURST = 4;

/** One call's reports not yet written. */
interface Ask {
  /** Its reports still queued or being written; the call is answered at 0. */
  left: number;
  resolve(): void;
  reject(err: unknown): void;
}

export class StatusWriter {
  /** Task → its report to write, oldest first (a later report of the same task keeps the place). */
  private pending = new Map<string, NodeReport>();
  /** Task → the calls waiting for its queued report. */
  private asks = new Map<string, Ask[]>();
  private timer: NodeJS.Timeout | undefined;
  private writing = false;
  private readonly pacer: SendPacer;

  constructor(
    private readonly store: MemoryStore,
    batchMs: number,
  ) {
    this.pacer = new SendPacer(batchMs, BURST, Date.now());
  }

  /**
   * Queues `reports` of `nodeId` (already checked to be its own tasks); resolves once the writes holding
   * them are applied (at once for those the store already holds), rejects with a write's error.
   */
  add(nodeId: string, reports: readonly StatusReport[]): Promise<void> {
    const news = this.store.view(tx =>
      reports.filter(r => withReportedStatus(getTask(tx, r.taskId), nodeId, r.status) !== undefined),
    );
    if (news.length === 0) return Promise.resolve();
    coalesce(this.pending, nodeId, news);
    const done = new Promise<void>((resolve, reject) => {
      const ask: Ask = { left: 0, resolve, reject };
      for (const taskId of new Set(news.map(r => r.taskId))) {
        ask.left++;
        const waiting = this.asks.get(taskId);
        if (waiting === undefined) this.asks.set(taskId, [ask]);
        else waiting.push(ask);
      }
    });
    this.schedule();
    return done;
  }

  /** Fails every queued report with `err` (the dispatcher stopped leading). */
  abort(err: Error): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const asks = this.asks;
    this.pending = new Map();
    this.asks = new Map();
    for (const waiting of asks.values()) for (const a of waiting) fail(a, err);
  }

  /** The next write, when the pacer allows: at once while a whole part is waiting. */
  private schedule(): void {
    if (this.writing || this.timer !== undefined || this.pending.size === 0) return;
    const now = Date.now();
    const delay = this.pending.size >= PIPELINE_BATCH.maxItems ? 0 : this.pacer.delay(now);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writeNext();
    }, delay);
  }

  /**
   * Writes the oldest part of the queue, then answers the calls it completes. Whatever fails fails those
   * calls only: the writer goes on with the next part (it must never stop, or no report is answered again).
   */
  private async writeNext(): Promise<void> {
    this.writing = true;
    const asks: Ask[] = [];
    try {
      this.pacer.sent(Date.now());
      const front: [string, NodeReport][] = [];
      for (const entry of this.pending) {
        if (front.length >= PIPELINE_BATCH.maxItems) break;
        front.push(entry);
      }
      const part = takeBatch(front, ([taskId]) => {
        const task = this.store.view(tx => getTask(tx, taskId));
        return task === undefined ? 0 : jsonBytes(task);
      });
      for (const [taskId] of part.items) {
        this.pending.delete(taskId);
        for (const a of this.asks.get(taskId) ?? []) asks.push(a);
        this.asks.delete(taskId);
      }
      await this.writePart(part.items, oversizeAllowance(part));
      for (const a of asks) if (--a.left === 0) a.resolve();
    } catch (err) {
      for (const a of asks) fail(a, err);
    } finally {
      this.writing = false;
      this.schedule();
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

/** Fails the call once; its other reports' writes change nothing for it after that. */
function fail(a: Ask, err: unknown): void {
  if (a.left <= 0) return;
  a.left = 0;
  a.reject(err);
}
