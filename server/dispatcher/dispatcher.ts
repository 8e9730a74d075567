/**
 * The dispatcher (swarmkit's manager/dispatcher): every node's agent keeps one session with it.
 *
 * It runs on the leader only: sessions, heartbeats and assignment streams are state of the leader's,
 * and forward.ts forwards unary calls only, so a follower does not proxy. A follower refuses a session
 * with UNAVAILABLE, naming the leader's address in the message and in trailing metadata
 * (`shoal-leader-addr`), and the agent goes there. When this manager stops leading, every session ends
 * the same way and the agents move to the new leader.
 *
 * - Session: the caller's certificate names the node (never the request); the node must exist. It is
 *   written READY with the address it connects from, and gets a session ID, the managers' addresses and
 *   its heartbeat period. A node opening sessions too often is refused (rate-limiter.ts); a new session
 *   of a node ends its earlier one.
 * - Heartbeat: a jittered period each time; a node silent for `missedHeartbeats` periods is written DOWN
 *   ("heartbeat failure") and its session ends (heartbeat-book.ts). After an election, the nodes the new
 *   leader finds get one full window to reach it first. Their tasks are the orchestrator's business.
 * - Assignments: the tasks assigned to the node, a complete set then chained increments (assignment-set.ts),
 *   with the node's network view: whole in the complete set, then as deltas (view-index.ts). One store
 *   watch of the leader feeds both, through indexes, to the streams a change touches only; a change after
 *   a quiet spell goes out at once, then changes are batched over `assignmentBatchMs`.
 * - UpdateTaskStatus: a node's reports of its own tasks (another node's task refuses the whole request
 *   with PermissionDenied), batched into one store write (status-writer.ts), forward-only.
 *
 * The pure parts (expiry, rate limit, assignment diffing, status rules) live in their own files; this one
 * is the I/O: gRPC calls, timers, the store.
 */
import type { DispatcherHandlers } from '../../proto/gen/shoal/v1/Dispatcher.ts';
import * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { WireTaskStatus } from '../../proto/control-types.ts';
import {
  type WireAssignmentsMessage,
  type WireAssignmentsRequest,
  type WireHeartbeatRequest,
  type WireHeartbeatResponse,
  type WireSessionMessage,
  type WireSessionRequest,
  type WireUpdateTaskStatusRequest,
} from '../../proto/dispatcher-types.ts';
import { loadShoalPackage, serviceOf } from '../../proto/load.ts';
import {
  InvalidArgumentError,
  NotFoundError,
  PermissionError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
} from '../../lib/errors.ts';
import { messageOf } from '../../lib/message-of.ts';
import { NotLeaderError } from '../../lib/not-leader-error.ts';
import { DEFAULT_GATEWAY_SUBNET, jsonBytes } from '../allocator/index.ts';
import { callerOf } from '../ca/authorize.ts';
import { wireTask } from '../controlapi/task-server.ts';
import { wireNode } from '../controlapi/wire-node.ts';
import { RpcError, toGrpcStatus } from '../rpc/status.ts';
import {
  clusterTable,
  findClusters,
  findNetworks,
  findNodes,
  findServices,
  findTasks,
  getNode,
  getTask,
  isClusterEvent,
  isNetworkEvent,
  isNodeEvent,
  isServiceEvent,
  isTaskEvent,
  networkTable,
  nodeTable,
  serviceTable,
  taskTable,
  updateNode,
  type Cluster,
  type MemoryStore,
  type Watcher,
} from '../store/index.ts';
import { AssignmentSet, type AssignmentBatch } from './assignment-set.ts';
import { HeartbeatBook } from './heartbeat-book.ts';
import { NodeTasks } from './node-tasks.ts';
import { SessionRateLimiter } from './rate-limiter.ts';
import { agentState, type StatusReport } from './task-status.ts';
import { StatusWriter } from './status-writer.ts';
import { NetworkViewIndex } from './view-index.ts';
import { viewParts, type ViewPart } from './view-parts.ts';

const pkg = loadShoalPackage('dispatcher.proto');
export const dispatcherService = serviceOf(pkg, 'Dispatcher');

export interface DispatcherOptions {
  /** The heartbeat period handed to agents. @default 5000 (swarmkit's) */
  heartbeatPeriodMs?: number;
  /** Each period handed out varies by up to this much either way. @default heartbeatPeriodMs / 10 */
  heartbeatJitterMs?: number;
  /** Missed heartbeats after which a node is DOWN. @default 3 */
  missedHeartbeats?: number;
  /** Sessions one node may open per window. @default 3 (swarmkit's) */
  sessionsPerWindow?: number;
  /** @default 8000 (swarmkit's) */
  sessionWindowMs?: number;
  /** Changes within this long of the last message sent are gathered into the next. @default 25 (swarmkit gathers 100 ms from the first change: a task and its peers' records are that much later) */
  assignmentBatchMs?: number;
  /** Reports within this long of the last write are gathered into one store write. @default 10 */
  statusBatchMs?: number;
  /**
   * A view (full or delta) with more entities (networks, nodes, services, endpoints, removals) goes over
   * several messages (`more`), each encoded only when the stream takes it (view-parts.ts). @default 500
   */
  viewPartEntities?: number;
}

interface CompiledDispatcherOptions {
  readonly heartbeatPeriodMs: number;
  readonly heartbeatJitterMs: number;
  readonly missedHeartbeats: number;
  readonly sessionsPerWindow: number;
  readonly sessionWindowMs: number;
  readonly assignmentBatchMs: number;
  readonly statusBatchMs: number;
  readonly viewPartEntities: number;
  /** How often leadership and expiries are looked at. */
  readonly tickMs: number;
}

/** Changes of one assignment stream that go out at once, without waiting for the batch period. */
const MAX_ASSIGNMENT_BATCH = 100;

function compile(o: DispatcherOptions): CompiledDispatcherOptions {
  const heartbeatPeriodMs = o.heartbeatPeriodMs ?? 5000;
  const viewPartEntities = o.viewPartEntities ?? 500;
  if (!Number.isInteger(viewPartEntities) || viewPartEntities < 1) {
    throw new RangeError(`dispatcher: viewPartEntities must be a positive integer, not ${viewPartEntities}`);
  }
  return Object.freeze({
    heartbeatPeriodMs,
    heartbeatJitterMs: o.heartbeatJitterMs ?? heartbeatPeriodMs / 10,
    missedHeartbeats: o.missedHeartbeats ?? 3,
    sessionsPerWindow: o.sessionsPerWindow ?? 3,
    sessionWindowMs: o.sessionWindowMs ?? 8000,
    assignmentBatchMs: o.assignmentBatchMs ?? 25,
    statusBatchMs: o.statusBatchMs ?? 10,
    viewPartEntities,
    tickMs: Math.min(500, Math.max(5, heartbeatPeriodMs / 10)),
  });
}

/** What the dispatcher reads of the Raft node. */
export interface DispatcherRaft {
  readonly isLeader: boolean;
  /** The leader's Raft ID; 0 = none known. */
  readonly leader: number;
  readonly term: number;
  /** Raft ID → manager address (host:port). */
  readonly members: ReadonlyMap<number, string>;
  /** Resolves once this leader's store holds everything committed before (a ReadIndex). */
  readBarrier(): Promise<unknown>;
}

/** One node's session. Invariant: `sessions.get(nodeId) === this` while it is valid. */
interface Session {
  readonly id: string;
  readonly nodeId: string;
  /** Ends each open stream of the session with the status given. */
  readonly enders: Set<(s: grpc.StatusObject) => void>;
  /** Sends the session stream a fresh SessionMessage (the node or the managers changed). */
  refresh?: () => void;
}

/** One node's open Assignments stream (at most one per node: a newer one replaces it). */
interface AssignmentStream {
  readonly nodeId: string;
  readonly set: AssignmentSet;
  readonly index: NetworkViewIndex;
  readonly call: grpc.ServerWritableStream<WireAssignmentsRequest, WireAssignmentsMessage>;
  /** The next message, if one is due. */
  timer: NodeJS.Timeout | undefined;
  lastSent: number;
  /** Ends the stream with the status given. */
  end: (s: grpc.StatusObject) => void;
}

type Phase =
  | { kind: 'follower' }
  | { kind: 'starting'; term: number }
  | {
      kind: 'leading';
      term: number;
      /** Every change of tasks, services, networks, nodes and clusters, after `index` and `tasks` were read. */
      watcher: Watcher;
      index: NetworkViewIndex;
      tasks: NodeTasks;
    };

export const SESSION_INVALID = 'session invalid';
export const NODE_NOT_REGISTERED = 'node not registered';
export const NOT_OWN_TASK = 'cannot update a task not assigned this node';

export class Dispatcher {
  private readonly o: CompiledDispatcherOptions;
  private readonly book: HeartbeatBook;
  private readonly limiter: SessionRateLimiter;
  private readonly statuses: StatusWriter;
  private readonly sessions = new Map<string, Session>();
  private readonly streams = new Map<string, AssignmentStream>();
  private phase: Phase = { kind: 'follower' };
  private timer: NodeJS.Timeout | undefined;
  /** A DOWN write under way: expiries wait for it. */
  private expiring = false;
  private membersKey = '';
  private stopped = false;

  constructor(
    private readonly store: MemoryStore,
    private readonly raft: DispatcherRaft,
    private readonly log: Logger,
    options: DispatcherOptions = {},
  ) {
    this.o = compile(options);
    this.book = new HeartbeatBook({
      periodMs: this.o.heartbeatPeriodMs,
      jitterMs: this.o.heartbeatJitterMs,
      missedBeats: this.o.missedHeartbeats,
    });
    this.limiter = new SessionRateLimiter({
      maxPerWindow: this.o.sessionsPerWindow,
      windowMs: this.o.sessionWindowMs,
    });
    this.statuses = new StatusWriter(store, this.o.statusBatchMs);
  }

  /** The handlers for the manager port. */
  handlers(): DispatcherHandlers {
    return {
      Session: (call: grpc.ServerWritableStream<WireSessionRequest, WireSessionMessage>) => {
        this.openSession(call).catch((err: unknown) => call.emit('error', this.statusOf(err)));
      },
      Heartbeat: (
        call: grpc.ServerUnaryCall<WireHeartbeatRequest, WireHeartbeatResponse>,
        cb: grpc.sendUnaryData<WireHeartbeatResponse>,
      ) => {
        try {
          cb(null, this.heartbeat(call));
        } catch (err) {
          cb(this.statusOf(err));
        }
      },
      Assignments: (call: grpc.ServerWritableStream<WireAssignmentsRequest, WireAssignmentsMessage>) => {
        this.assignments(call).catch((err: unknown) => call.emit('error', this.statusOf(err)));
      },
      UpdateTaskStatus: (
        call: grpc.ServerUnaryCall<WireUpdateTaskStatusRequest, object>,
        cb: grpc.sendUnaryData<object>,
      ) => {
        this.updateTaskStatus(call).then(
          () => cb(null, {}),
          (err: unknown) => cb(this.statusOf(err)),
        );
      },
    };
  }

  /**
   * Another stream of the caller's session (the log broker's), checked as the session's own are, and
   * ended with it: `end` is called when the session ends, until `leave`.
   */
  joinSession(
    call: Parameters<typeof callerOf>[0],
    sessionId: string,
    end: (s: grpc.StatusObject) => void,
  ): { nodeId: string; leave: () => void } | { refused: grpc.StatusObject } {
    try {
      const session = this.requireSession(call, sessionId);
      session.enders.add(end);
      return { nodeId: session.nodeId, leave: () => session.enders.delete(end) };
    } catch (err) {
      return { refused: this.statusOf(err) };
    }
  }

  /** Starts watching leadership: the dispatcher serves while this manager leads. */
  start(): void {
    this.schedule();
  }

  /** Ends every session and stops. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.stepDown('the manager is stopping');
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick();
      this.schedule();
    }, this.o.tickMs);
  }

  private tick(): void {
    const raft = this.raft;
    if (!raft.isLeader) {
      if (this.phase.kind !== 'follower') this.stepDown('this manager is no longer the leader');
      return;
    }
    if (this.phase.kind !== 'follower' && this.phase.term !== raft.term) {
      this.stepDown('this manager is no longer the leader');
    }
    if (this.phase.kind === 'follower') {
      this.lead(raft.term);
      return;
    }
    if (this.phase.kind !== 'leading') return;
    this.expireNodes();
    const key = this.managers().join(',');
    if (key !== this.membersKey) {
      this.membersKey = key;
      for (const s of this.sessions.values()) s.refresh?.();
    }
    this.limiter.prune(Date.now());
  }

  /** Becomes the serving dispatcher of `term` once the store has caught up with the log. */
  private lead(term: number): void {
    this.phase = { kind: 'starting', term };
    this.raft.readBarrier().then(
      () => {
        if (this.phase.kind !== 'starting' || this.phase.term !== term || this.stopped) return;
        const { result, watcher } = this.store.viewAndWatch(
          tx => ({
            nodes: findNodes(tx),
            networks: findNetworks(tx),
            services: findServices(tx),
            tasks: findTasks(tx),
            gatewaySubnet: gatewaySubnetOf(findClusters(tx)[0]),
          }),
          {
            tables: [taskTable.name, serviceTable.name, networkTable.name, nodeTable.name, clusterTable.name],
          },
          // One consumer that does no I/O per event, but a large write (thousands of tasks in one entry)
          // comes at once; falling behind restarts the dispatcher and every session with it.
          { maxQueued: 1_000_000 },
        );
        // Grace: every node this leader has not heard from gets one full window to reach it.
        this.book.grace(
          result.nodes.filter(n => n.status.state !== 'down').map(n => n.id),
          Date.now(),
        );
        // A view change waits for the batch: the task change that made it may add to the same message.
        const index = new NetworkViewIndex(result, nodeId => {
          const stream = this.streams.get(nodeId);
          if (stream !== undefined) this.soon(stream, false);
        });
        this.phase = { kind: 'leading', term, watcher, index, tasks: new NodeTasks(result.tasks) };
        this.membersKey = this.managers().join(',');
        void this.follow(this.phase);
        this.log.info({ term, nodes: result.nodes.length }, 'dispatcher started');
      },
      (err: unknown) => {
        // Tried again at the next tick, if this manager still leads.
        if (this.phase.kind === 'starting' && this.phase.term === term) this.phase = { kind: 'follower' };
        this.log.warn({ err: messageOf(err) }, 'dispatcher: read barrier failed');
      },
    );
  }

  /**
   * Changes while leading. Nodes: new ones get grace, removed ones lose their session, sessions hear of
   * changes. Tasks go to the streams of the nodes they are (and were) assigned to; every change goes to
   * the view index, which tells the streams whose view it changed.
   */
  private async follow(phase: Extract<Phase, { kind: 'leading' }>): Promise<void> {
    const { watcher, index, tasks } = phase;
    try {
      for await (const ev of watcher) {
        const removed = ev.kind === 'remove';
        if (isTaskEvent(ev)) {
          const task = ev.object;
          const was = tasks.observe(task, removed);
          index.task(task, removed);
          for (const nodeId of new Set([was, task.nodeId])) {
            const stream = nodeId === undefined ? undefined : this.streams.get(nodeId);
            if (stream?.set.observe(task, removed) === true) this.soon(stream);
          }
        } else if (isNodeEvent(ev)) {
          const node = ev.object;
          if (removed) {
            this.book.forget(node.id);
            this.endSession(node.id, this.statusOf(new NotFoundError(`node ${node.id} not found`)));
          } else if (ev.kind === 'create' && node.status.state !== 'down') {
            this.book.grace([node.id], Date.now());
          } else {
            this.sessions.get(node.id)?.refresh?.();
          }
          index.node(node, removed);
        } else if (isServiceEvent(ev)) {
          index.service(ev.object, removed);
        } else if (isNetworkEvent(ev)) {
          index.network(ev.object, removed);
        } else if (isClusterEvent(ev)) {
          index.gatewaySubnet(gatewaySubnetOf(removed ? undefined : ev.object));
        }
      }
    } catch (err) {
      // The store was restored from a snapshot (or the watch overflowed): start leading afresh.
      if (this.phase === phase) {
        this.log.warn({ err: messageOf(err) }, 'dispatcher: store watch ended; restarting');
        this.stepDown('the dispatcher is restarting');
      }
    }
  }

  private stepDown(why: string): void {
    if (this.phase.kind === 'leading') this.phase.watcher.close();
    const wasServing = this.phase.kind !== 'follower';
    this.phase = { kind: 'follower' };
    this.book.clear();
    const refusal = this.refusal();
    const s = this.statusOf(refusal);
    for (const nodeId of [...this.sessions.keys()]) this.endSession(nodeId, s);
    for (const stream of [...this.streams.values()]) stream.end(s);
    this.statuses.abort(refusal);
    if (wasServing) this.log.info({ why }, 'dispatcher stopped');
  }

  /** Writes DOWN for the nodes whose heartbeats stopped, and ends their sessions. */
  private expireNodes(): void {
    if (this.expiring) return;
    const now = Date.now();
    const due = this.book.expire(now);
    if (due.length === 0) return;
    const gone = this.statusOf(new NotFoundError(NODE_NOT_REGISTERED));
    for (const id of due) this.endSession(id, gone);
    this.expiring = true;
    this.store
      .update(tx => {
        for (const id of due) {
          const n = getNode(tx, id);
          if (n === undefined || n.status.state === 'down') continue;
          updateNode(tx, {
            ...n,
            status: { state: 'down', addr: n.status.addr, message: 'heartbeat failure' },
          });
        }
      }, now)
      .then(
        () => this.log.info({ nodes: due }, 'nodes down: heartbeat failure'),
        (err: unknown) => {
          // Tried again at the next tick, unless a session came first (or leadership went).
          if (this.phase.kind === 'leading') {
            for (const id of due) if (!this.book.has(id)) this.book.setDeadline(id, Date.now());
          }
          this.log.warn({ err: messageOf(err), nodes: due }, 'dispatcher: could not mark nodes down');
        },
      )
      .finally(() => {
        this.expiring = false;
      });
  }

  private async openSession(
    call: grpc.ServerWritableStream<WireSessionRequest, WireSessionMessage>,
  ): Promise<void> {
    const nodeId = this.requireLeading(call);
    if (!this.limiter.tryAdmit(nodeId, Date.now())) {
      throw new ResourceExhaustedError(`node ${nodeId} exceeded rate limit count of registrations`);
    }
    if (this.store.view(tx => getNode(tx, nodeId)) === undefined) {
      throw new NotFoundError(`node ${nodeId} not found`);
    }
    this.endSession(nodeId, this.statusOf(replaced('session replaced by a newer one')));
    const session: Session = { id: randomBytes(16).toString('hex'), nodeId, enders: new Set() };
    this.sessions.set(nodeId, session);
    const period = this.book.period(Math.random());
    this.book.beat(nodeId, Date.now(), period);
    const addr = hostOf(call.getPeer());
    await this.writeReady(nodeId, addr);
    if (this.sessions.get(nodeId) !== session || call.cancelled) return;
    const end = (s: grpc.StatusObject): void => {
      call.emit('error', s);
    };
    session.enders.add(end);
    call.on('cancelled', () => session.enders.delete(end));
    session.refresh = () => {
      if (!call.cancelled) call.write(this.sessionMessage(session, this.o.heartbeatPeriodMs));
    };
    call.write(this.sessionMessage(session, period));
    this.log.info({ nodeId, addr }, 'node session started');
  }

  private sessionMessage(session: Session, periodMs: number): WireSessionMessage {
    const node = this.store.view(tx => getNode(tx, session.nodeId));
    return {
      sessionId: session.id,
      node: node === undefined ? null : wireNode(node),
      managers: this.managers(),
      heartbeatPeriodMs: periodMs,
    };
  }

  /** READY, from `addr`, unless the node is so already. */
  private async writeReady(nodeId: string, addr: string): Promise<void> {
    await this.store.update(tx => {
      const n = getNode(tx, nodeId);
      if (n === undefined) return;
      if (n.status.state === 'ready' && n.status.addr === addr && n.status.message === undefined) return;
      updateNode(tx, { ...n, status: { state: 'ready', addr } });
    }, Date.now());
  }

  private heartbeat(
    call: grpc.ServerUnaryCall<WireHeartbeatRequest, WireHeartbeatResponse>,
  ): WireHeartbeatResponse {
    const session = this.requireSession(call, call.request.sessionId);
    const periodMs = this.book.period(Math.random());
    this.book.beat(session.nodeId, Date.now(), periodMs);
    return { periodMs };
  }

  private async assignments(
    call: grpc.ServerWritableStream<WireAssignmentsRequest, WireAssignmentsMessage>,
  ): Promise<void> {
    const session = this.requireSession(call, call.request.sessionId);
    const phase = this.phase;
    if (phase.kind !== 'leading') throw this.refusal();
    const nodeId = session.nodeId;
    this.streams.get(nodeId)?.end(this.statusOf(replaced('assignments stream replaced by a newer one')));
    const set = new AssignmentSet(nodeId);
    const complete = set.complete(phase.tasks.of(nodeId));
    const full = phase.index.open(nodeId);
    const close = (): void => {
      clearTimeout(stream.timer);
      session.enders.delete(end);
      if (this.streams.get(nodeId) !== stream) return;
      this.streams.delete(nodeId);
      phase.index.close(nodeId);
    };
    const end = (s: grpc.StatusObject): void => {
      close();
      call.emit('error', s);
    };
    const stream: AssignmentStream = {
      nodeId,
      set,
      index: phase.index,
      call,
      timer: undefined,
      lastSent: Date.now(),
      end,
    };
    this.streams.set(nodeId, stream);
    session.enders.add(end);
    call.on('cancelled', close);
    writeAssignments(call, set, complete, viewParts({ full }, this.o.viewPartEntities));
  }

  /**
   * `stream` has changes to send: at once if many tasks changed (and `now` allows), or after a quiet
   * spell (once the events of its store write are in); otherwise once the batch period since its last
   * message is over.
   */
  private soon(stream: AssignmentStream, now = true): void {
    if (now && stream.set.pendingCount >= MAX_ASSIGNMENT_BATCH) {
      clearTimeout(stream.timer);
      stream.timer = undefined;
      this.flush(stream);
      return;
    }
    stream.timer ??= setTimeout(
      () => {
        stream.timer = undefined;
        this.flush(stream);
      },
      Math.max(0, stream.lastSent + this.o.assignmentBatchMs - Date.now()),
    );
  }

  private flush(stream: AssignmentStream): void {
    if (this.streams.get(stream.nodeId) !== stream || stream.call.cancelled) return;
    const delta = stream.index.take(stream.nodeId);
    const batch = stream.set.flush(delta !== undefined);
    if (batch === undefined) return;
    writeAssignments(stream.call, stream.set, batch, viewParts({ delta }, this.o.viewPartEntities));
    stream.lastSent = Date.now();
  }

  private async updateTaskStatus(
    call: grpc.ServerUnaryCall<WireUpdateTaskStatusRequest, object>,
  ): Promise<void> {
    const session = this.requireSession(call, call.request.sessionId);
    const reports = call.request.updates.map(u => reportOf(u.taskId, u.status));
    this.store.view(tx => {
      for (const r of reports) {
        const t = getTask(tx, r.taskId);
        if (t !== undefined && t.nodeId !== session.nodeId) throw new PermissionError(NOT_OWN_TASK);
      }
    });
    await this.statuses.add(session.nodeId, reports);
  }

  /** The calling node, if this dispatcher serves; otherwise throws the refusal that names the leader. */
  private requireLeading(call: Parameters<typeof callerOf>[0]): string {
    if (this.phase.kind !== 'leading') throw this.refusal();
    const caller = callerOf(call);
    if (caller === undefined)
      throw new UnauthenticatedError('a client certificate of this cluster is required');
    return caller.nodeId;
  }

  /** The caller's session if `sessionId` is it; throws NOT_FOUND otherwise. */
  private requireSession(call: Parameters<typeof callerOf>[0], sessionId: string): Session {
    const nodeId = this.requireLeading(call);
    const session = this.sessions.get(nodeId);
    if (session === undefined) throw new NotFoundError(NODE_NOT_REGISTERED);
    if (session.id !== sessionId) throw new NotFoundError(SESSION_INVALID);
    return session;
  }

  private endSession(nodeId: string, s: grpc.StatusObject): void {
    const session = this.sessions.get(nodeId);
    if (session === undefined) return;
    this.sessions.delete(nodeId);
    for (const end of [...session.enders]) end(s);
    session.enders.clear();
  }

  /**
   * Why this dispatcher does not serve: another manager leads (named, in the text and in metadata, if
   * known), or this one leads but its dispatcher is not serving yet.
   */
  private refusal(): UnavailableError {
    return this.raft.isLeader
      ? new UnavailableError('the dispatcher is starting; try again')
      : NotLeaderError.of(this.raft);
  }

  private managers(): string[] {
    return [...this.raft.members.values()].sort();
  }

  /** What a call or stream ends with: the one mapping, with the cause of an unexpected error logged. */
  private statusOf(err: unknown): grpc.StatusObject {
    return toGrpcStatus(err, this.log);
  }
}

/**
 * The end of a session or stream that a newer one of the same node replaces: ABORTED, as swarmkit's.
 * No refusal kind says that (ErrorKind has no 'aborted'), so it goes as a status with its code.
 */
function replaced(details: string): RpcError {
  return new RpcError(grpc.status.ABORTED, details);
}

/** A report from the wire, checked: a task ID, and a state an agent may report. */
function reportOf(taskId: string, s: WireTaskStatus | null): StatusReport {
  if (typeof taskId !== 'string' || taskId === '') throw new InvalidArgumentError('task ID is required');
  const state = s === null ? undefined : agentState(s.state);
  if (s === null || state === undefined) {
    throw new InvalidArgumentError(`task ${taskId}: "${s?.state ?? ''}" is not a state an agent reports`);
  }
  return {
    taskId,
    status: {
      state,
      timestamp: s.timestamp > 0 ? s.timestamp : Date.now(),
      ...(s.message === '' ? {} : { message: s.message }),
      ...(s.err === '' ? {} : { err: s.err }),
    },
  };
}

/**
 * The changes one Assignments message carries at most, in bytes (as JSON, above their protobuf size): a
 * large set goes in parts, so that no message nears the agent's limits however many tasks a node holds.
 */
const MAX_ASSIGNMENT_MESSAGE_BYTES = 1024 * 1024;

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
): void {
  const taskParts = set.split(batch, MAX_ASSIGNMENT_MESSAGE_BYTES, c => jsonBytes(c.task));
  const count = Math.max(taskParts.length, parts.length);
  let last = batch.appliesTo;
  for (let i = 0; i < count; i++) {
    const part = taskParts[i] ?? { type: 'incremental', appliesTo: last, resultsIn: last, changes: [] };
    last = part.resultsIn;
    const view = parts[i];
    // Written now, encoded when the stream takes it: one message at a time, as the peer reads them.
    call.write({
      type: part.type,
      appliesTo: part.appliesTo,
      resultsIn: part.resultsIn,
      changes: part.changes.map(c => ({ action: c.action, task: wireTask(c.task) })),
      networkView: view?.full?.view ?? null,
      viewSeq: view?.full?.seq ?? 0,
      viewDelta: view?.delta ?? null,
      more: i < count - 1,
    });
  }
}

/** The cluster's gateway bridge range (set once at `swarm init`). */
function gatewaySubnetOf(cluster: Cluster | undefined): string {
  return cluster?.gatewaySubnet ?? DEFAULT_GATEWAY_SUBNET;
}

/** The host of a gRPC peer (`1.2.3.4:5678`, `[::1]:5678`, `ipv4:…`), as an address without the port. */
export function hostOf(peer: string): string {
  const p = peer.replace(/^ipv[46]:/, '');
  const colon = p.lastIndexOf(':');
  const host = (colon < 0 ? p : p.slice(0, colon)).replace(/^\[(.*)\]$/, '$1');
  return host.startsWith('::ffff:') ? host.slice('::ffff:'.length) : host;
}
