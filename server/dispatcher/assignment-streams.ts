/**
 * The dispatcher's Assignments streams, one per node in session (a newer one replaces it): the complete
 * set of the node's tasks with its whole network view first, then chained increments with view deltas
 * (assignment-set.ts, view-index.ts). A few changes after a quiet spell go out at once (a task assigned,
 * then its peers running, each reach the node without waiting), then changes are batched over
 * `assignmentBatchMs`; many task changes go out without waiting. A stream whose last message the
 * connection has not taken yet (a slow node, flow control) gets nothing more until it has: what changed
 * meanwhile goes in one message then.
 */
import type * as grpc from '@grpc/grpc-js';
import type { WireAssignmentsMessage, WireAssignmentsRequest } from '../../proto/dispatcher-types.ts';
import { SendPacer } from '../../lib/send-pacer.ts';
import { TimeSlice } from '../leader/time-slice.ts';
import { jsonBytes } from '../allocator/index.ts';
import type { Task } from '../store/index.ts';
import { wireTask } from '../wire/wire-task.ts';
import { AssignmentSet, type AssignmentBatch } from './assignment-set.ts';
import type { NetworkViewIndex } from './view-index.ts';
import { viewParts, type ViewPart } from './view-parts.ts';

/** Changes of one assignment stream that go out at once, without waiting for the batch period. */
const MAX_ASSIGNMENT_BATCH = 100;
/** Messages a stream sends at once after a quiet spell, before its changes are batched. */
const BURST = 4;
/**
 * A busy stream's period grows by this much per open stream, so that changes that reach every view (a
 * node joining, with its routing-mesh leg; a scale-up's endpoints, in every view of their network) cost
 * at most ~2,500 messages a second whatever the number of sessions: at 5,000 nodes, a message per store
 * write to every open session was what held the leader, and at 10,000 a second (0.1 ms) gRPC's cost per
 * message was still half of it. A stream quiet for a while still sends its next few changes at once, and
 * a task change waits no longer than the batch period (`soon`).
 */
const PERIOD_MS_PER_STREAM = 0.4;

/**
 * The changes one Assignments message carries at most, in bytes (as JSON, above their protobuf size): a
 * large set goes in parts, so that no message nears the agent's limits however many tasks a node holds.
 */
const MAX_ASSIGNMENT_MESSAGE_BYTES = 1024 * 1024;

type AssignmentsCall = grpc.ServerWritableStream<WireAssignmentsRequest, WireAssignmentsMessage>;

/** What a stream needs of its node's session: the stream ends with it. */
export interface StreamSession {
  readonly nodeId: string;
  /** Ends each open stream of the session with the status given. */
  readonly enders: Set<(s: grpc.StatusObject) => void>;
}

/** One node's open Assignments stream. */
interface AssignmentStream {
  readonly nodeId: string;
  readonly set: AssignmentSet;
  readonly index: NetworkViewIndex;
  readonly call: AssignmentsCall;
  /** The next message, if one is due, and when (ms since the epoch). */
  timer: NodeJS.Timeout | undefined;
  timerAt: number;
  /** Messages written to the call and not yet handed to the connection (its flow control holds them). */
  unsent: number;
  /** Changes waited for `unsent` to reach 0. */
  held: boolean;
  readonly pacer: SendPacer;
  /** Ends the stream with the status given. */
  end: (s: grpc.StatusObject) => void;
}

/** How long streams are flushed in one go before timers and I/O get a turn. */
const FLUSH_SLICE_MS = 15;

export class AssignmentStreams {
  private readonly streams = new Map<string, AssignmentStream>();
  /** Streams whose time to send has come, flushed in slices (a thousand due at once do not block). */
  private readonly due = new Set<AssignmentStream>();
  private draining = false;

  constructor(
    private readonly o: { readonly assignmentBatchMs: number; readonly viewPartEntities: number },
  ) {}

  /**
   * Opens `call` as the stream of `session`'s node, ending its earlier one with `replaced`: it gets the
   * node's `tasks` and its whole view from `index` at once, but for the endpoints of the networks it
   * `keeps`.
   */
  open(
    call: AssignmentsCall,
    session: StreamSession,
    tasks: readonly Task[],
    index: NetworkViewIndex,
    replaced: grpc.StatusObject,
    keeps?: (networkId: string) => boolean,
  ): void {
    const nodeId = session.nodeId;
    this.streams.get(nodeId)?.end(replaced);
    const set = new AssignmentSet(nodeId);
    const complete = set.complete(tasks);
    const full = index.open(nodeId, keeps);
    const close = (): void => {
      clearTimeout(stream.timer);
      this.due.delete(stream);
      session.enders.delete(end);
      if (this.streams.get(nodeId) !== stream) return;
      this.streams.delete(nodeId);
      index.close(nodeId);
    };
    const end = (s: grpc.StatusObject): void => {
      close();
      call.emit('error', s);
    };
    const stream: AssignmentStream = {
      nodeId,
      set,
      index,
      call,
      timer: undefined,
      timerAt: 0,
      unsent: 0,
      held: false,
      pacer: new SendPacer(this.o.assignmentBatchMs, BURST, Date.now()),
      end,
    };
    this.streams.set(nodeId, stream);
    session.enders.add(end);
    call.on('cancelled', close);
    this.write(stream, complete, viewParts({ full }, this.o.viewPartEntities));
  }

  /** A task changed: the streams of the nodes it is and `was` assigned to send it. */
  task(task: Task, removed: boolean, was: string | undefined): void {
    for (const nodeId of new Set([was, task.nodeId])) {
      const stream = nodeId === undefined ? undefined : this.streams.get(nodeId);
      if (stream?.set.observe(task, removed) === true) this.soon(stream);
    }
  }

  /** The node's view changed: it waits for the batch, as the task change that made it may add to it. */
  viewChanged(nodeId: string): void {
    const stream = this.streams.get(nodeId);
    if (stream !== undefined) this.soon(stream, false);
  }

  /** Ends every stream with `s`. */
  endAll(s: grpc.StatusObject): void {
    for (const stream of [...this.streams.values()]) stream.end(s);
  }

  /**
   * `stream` has changes to send: at once if many tasks changed (and `now` allows), or while its pacer
   * allows (once the events of its store write are in); otherwise when the pacer next does. A task change
   * waits at most the batch period, however busy the stream's view is: a node starts or stops its tasks
   * without waiting for a scale-up's view changes to thin out.
   */
  private soon(stream: AssignmentStream, now = true): void {
    if (now && stream.set.pendingCount >= MAX_ASSIGNMENT_BATCH) {
      clearTimeout(stream.timer);
      stream.timer = undefined;
      this.flush(stream);
      return;
    }
    if (this.due.has(stream)) return;
    const at = Date.now();
    const paced = this.pace(stream).delay(at);
    const delay = stream.set.pendingCount > 0 ? Math.min(paced, this.o.assignmentBatchMs) : paced;
    if (stream.timer !== undefined) {
      if (stream.timerAt <= at + delay) return;
      clearTimeout(stream.timer);
    }
    stream.timerAt = at + delay;
    stream.timer = setTimeout(() => {
      stream.timer = undefined;
      this.due.add(stream);
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => this.drain());
      }
    }, delay);
  }

  /** Flushes the streams due, for one slice; the rest after timers and I/O had their turn. */
  private drain(): void {
    const slice = new TimeSlice(FLUSH_SLICE_MS);
    for (const stream of this.due) {
      if (slice.due) {
        setImmediate(() => this.drain());
        return;
      }
      this.due.delete(stream);
      this.flush(stream);
    }
    this.draining = false;
  }

  private flush(stream: AssignmentStream): void {
    if (this.streams.get(stream.nodeId) !== stream || stream.call.cancelled) return;
    if (stream.unsent > 0) {
      // The node has not taken the last message yet: what changed meanwhile goes in one message once it
      // has (changes of one key coalesce), instead of a queue that delays its heartbeats' answers, which
      // share the connection, past their deadline.
      stream.held = true;
      return;
    }
    const delta = stream.index.take(stream.nodeId);
    const batch = stream.set.flush(delta !== undefined);
    if (batch === undefined) return;
    this.write(stream, batch, viewParts({ delta }, this.o.viewPartEntities));
  }

  /** Writes `batch` with the view's `parts`, counting the messages until the connection takes them. */
  private write(stream: AssignmentStream, batch: AssignmentBatch, parts: readonly ViewPart[]): void {
    writeAssignments(
      stream.call,
      stream.set,
      batch,
      parts,
      () => {
        stream.unsent--;
        if (stream.unsent > 0 || !stream.held) return;
        stream.held = false;
        this.soon(stream, false);
      },
      () => stream.unsent++,
    );
    this.pace(stream).sent(Date.now());
  }

  /** `stream`'s pacer, at the period the number of open streams sets. */
  private pace(stream: AssignmentStream): SendPacer {
    const periodMs = Math.max(this.o.assignmentBatchMs, this.streams.size * PERIOD_MS_PER_STREAM);
    stream.pacer.setPeriod(periodMs, Date.now());
    return stream.pacer;
  }
}

/**
 * Sends `batch` (the last one `set` made), in parts if it is large, with the view's `parts` (a full view
 * or a delta, cut by viewParts): message k carries the batch's part k and the view's part k, and view
 * parts beyond the batch's go with increments that change no task (from the last result to itself).
 */
function writeAssignments(
  call: grpc.ServerWritableStream<unknown, WireAssignmentsMessage>,
  set: AssignmentSet,
  batch: AssignmentBatch,
  parts: readonly ViewPart[],
  taken: () => void,
  written: () => void,
): void {
  const taskParts = set.split(batch, MAX_ASSIGNMENT_MESSAGE_BYTES, c => jsonBytes(c.task));
  const count = Math.max(taskParts.length, parts.length);
  let last = batch.appliesTo;
  for (let i = 0; i < count; i++) {
    const part = taskParts[i] ?? { type: 'incremental', appliesTo: last, resultsIn: last, changes: [] };
    last = part.resultsIn;
    const view = parts[i];
    // Written now, encoded when the stream takes it: one message at a time, as the peer reads them.
    written();
    call.write(
      {
        type: part.type,
        appliesTo: part.appliesTo,
        resultsIn: part.resultsIn,
        changes: part.changes.map(c => ({ action: c.action, task: wireTask(c.task) })),
        networkView: view?.full?.view ?? null,
        viewSeq: view?.full?.seq ?? 0,
        keptNetworks: view?.full?.kept ?? [],
        viewDelta: view?.delta ?? null,
        more: i < count - 1,
      },
      taken,
    );
  }
}
