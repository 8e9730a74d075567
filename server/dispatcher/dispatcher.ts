/**
 * The dispatcher (swarmkit's manager/dispatcher): every node's agent keeps one session with it.
 *
 * It runs on the leader only, a leader service (server/leader/leadership.ts) started for each term this
 * manager leads: sessions, heartbeats and assignment streams are state of the leader's, and forward.ts
 * forwards unary calls only, so a follower does not proxy. A follower refuses a session
 * with UNAVAILABLE, naming the leader's address in the message and in trailing metadata
 * (`shoal-leader-addr`), and the agent goes there. When this manager stops leading, every session ends
 * the same way and the agents move to the new leader.
 *
 * - Session: the caller's certificate names the node (never the request); the node must exist. It is
 *   written READY with the address it connects from, and gets a session ID, the managers' addresses and
 *   its heartbeat period. A node opening sessions too often is refused (rate-limiter.ts); a new session
 *   of a node ends its earlier one.
 * - Heartbeats (a stream; Heartbeat, one call, for earlier agents): a jittered period each time; a node
 *   silent for `missedHeartbeats` periods is written DOWN ("heartbeat failure") and its session ends
 *   (heartbeat-book.ts). After an election, the nodes the new leader finds get one full window to reach
 *   it first, and more while the others keep arriving. Their tasks are the orchestrator's business.
 * - Assignments: the tasks assigned to the node, with its network view (assignment-streams.ts). One store
 *   watch of the leader feeds both, through indexes, to the streams a change touches only.
 * - UpdateTaskStatus: a node's reports of its own tasks (another node's task refuses the whole request
 *   with PermissionDenied), batched into one store write (status-writer.ts), forward-only.
 *
 * The pure parts (expiry, rate limit, assignment diffing, status rules) live in their own files; this one
 * is the I/O: gRPC calls, timers, the store.
 */
import type { DispatcherHandlers } from '../../proto/gen/shoal/v1/Dispatcher.ts';
import type * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
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
  AbortedError,
  NotFoundError,
  PermissionError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
} from '../../lib/errors.ts';
import { messageOf } from '../../lib/message-of.ts';
import { NotLeaderError } from '../../lib/not-leader-error.ts';
import { TimeSlice } from '../leader/time-slice.ts';
import { DEFAULT_GATEWAY_SUBNET } from '../allocator/index.ts';
import { callerOf } from '../caller/caller.ts';
import { encodeAssignments } from './assignments-encoder.ts';
import { wireNode } from '../wire/wire-node.ts';
import { toGrpcStatus } from '../rpc/status.ts';
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
  type Cluster,
  type MemoryStore,
  type Watcher,
} from '../store/index.ts';
import { AssignmentStreams } from './assignment-streams.ts';
import {
  compileDispatcherOptions,
  type CompiledDispatcherOptions,
  type DispatcherOptions,
} from './dispatcher-options.ts';
import type { LeaderService } from '../leader/leadership.ts';
import { HeartbeatBook } from './heartbeat-book.ts';
import { NodeLiveness } from './node-liveness.ts';
import { NodeTasks } from './node-tasks.ts';
import { SessionRateLimiter } from './rate-limiter.ts';
import { reportOf } from './task-status.ts';
import { hostOf } from './peer-host.ts';
import { StatusWriter } from './status-writer.ts';
import { NetworkViewIndex } from './view-index.ts';
import { heldNetworksOf } from './held-networks.ts';
import { NetworkDigests } from './network-digests.ts';

const pkg = loadShoalPackage('dispatcher.proto');
const genericService = serviceOf(pkg, 'Dispatcher');
/** The Dispatcher service; its Assignments messages go out through assignments-encoder.ts. */
export const dispatcherService: typeof genericService = {
  ...genericService,
  Assignments: {
    ...genericService.Assignments,
    responseSerialize: encodeAssignments as typeof genericService.Assignments.responseSerialize,
  },
};

/** What the dispatcher reads of the Raft node. */
export interface DispatcherRaft {
  readonly isLeader: boolean;
  /** The leader's Raft ID; 0 = none known. */
  readonly leader: number;
  /** Raft ID → manager address (host:port). */
  readonly members: ReadonlyMap<number, string>;
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

type Phase =
  | { kind: 'follower' }
  | {
      kind: 'leading';
      term: number;
      /** Every change of tasks, services, networks, nodes and clusters, after `index` and `tasks` were read. */
      watcher: Watcher;
      index: NetworkViewIndex;
      digests: NetworkDigests;
      tasks: NodeTasks;
    };

/**
 * Heartbeats one stream may send within one heartbeat period. An agent sends one and waits for its
 * answer; more is a flood, whose answers (read or not) the leader would pay for.
 */
export const MAX_HEARTBEATS_PER_PERIOD = 10;

/** How long the dispatcher works through store events or streams before it lets heartbeats in. */
const SLICE_MS = 20;

export const SESSION_INVALID = 'session invalid';
export const NODE_NOT_REGISTERED = 'node not registered';
export const NOT_OWN_TASK = 'cannot update a task not assigned this node';

export class Dispatcher implements LeaderService {
  readonly name = 'dispatcher';
  private readonly o: CompiledDispatcherOptions;
  private readonly book: HeartbeatBook;
  private readonly limiter: SessionRateLimiter;
  private readonly statuses: StatusWriter;
  private readonly liveness: NodeLiveness;
  private readonly sessions = new Map<string, Session>();
  private readonly streams: AssignmentStreams;
  private phase: Phase = { kind: 'follower' };
  private timer: NodeJS.Timeout | undefined;
  /** A DOWN write under way: expiries wait for it. */
  private expiring = false;
  private membersKey = '';

  constructor(
    private readonly store: MemoryStore,
    private readonly raft: DispatcherRaft,
    private readonly log: Logger,
    options: DispatcherOptions = {},
  ) {
    this.o = compileDispatcherOptions(options);
    this.streams = new AssignmentStreams(this.o);
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
    this.liveness = new NodeLiveness(store, Date.now);
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
      Heartbeats: (call: grpc.ServerDuplexStream<WireHeartbeatRequest, WireHeartbeatResponse>) =>
        this.heartbeats(call),
      Assignments: (call: grpc.ServerWritableStream<WireAssignmentsRequest, WireAssignmentsMessage>) => {
        try {
          this.assignments(call);
        } catch (err) {
          call.emit('error', this.statusOf(err));
        }
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

  /** Serves for `term` (this manager leads it, and its store caught up with the log). */
  start(term: number): void {
    this.stepDown('the dispatcher is restarting');
    const { result, watcher } = this.store.viewAndWatch(
      tx => ({
        nodes: findNodes(tx),
        networks: findNetworks(tx),
        services: findServices(tx),
        tasks: findTasks(tx),
        gatewaySubnet: gatewaySubnetOf(findClusters(tx)[0]),
      }),
      { tables: [taskTable.name, serviceTable.name, networkTable.name, nodeTable.name, clusterTable.name] },
      // One consumer that does no I/O per event, but a large write (thousands of tasks in one entry)
      // comes at once; falling behind restarts the dispatcher and every session with it.
      { maxQueued: 1_000_000 },
    );
    // Grace: every node this leader has not heard from gets one full window to reach it (more while
    // the others keep arriving).
    this.book.grace(
      result.nodes.filter(n => n.status.state !== 'down').map(n => n.id),
      Date.now(),
    );
    // A view change waits for the batch: the task change that made it may add to the same message.
    const index = new NetworkViewIndex(result, nodeId => this.streams.viewChanged(nodeId));
    this.phase = {
      kind: 'leading',
      term,
      watcher,
      index,
      digests: new NetworkDigests(index),
      tasks: new NodeTasks(result.tasks),
    };
    this.membersKey = this.managers().join(',');
    void this.follow(this.phase);
    this.schedule();
    this.log.info({ term, nodes: result.nodes.length }, 'dispatcher started');
  }

  /** Ends every session and stream: the agents move to the new leader. */
  stop(): void {
    this.stepDown('this manager no longer leads');
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.phase.kind !== 'leading') return;
      this.tick();
      this.schedule();
    }, this.o.tickMs);
  }

  /** While serving: expiries, the managers' addresses, the rate limiter's memory. */
  private tick(): void {
    this.expireNodes();
    const key = this.managers().join(',');
    if (key !== this.membersKey) {
      this.membersKey = key;
      for (const s of this.sessions.values()) s.refresh?.();
    }
    this.limiter.prune(Date.now());
  }

  /**
   * Changes while leading. Nodes: new ones get grace, removed ones lose their session, sessions hear of
   * changes. Tasks go to the streams of the nodes they are (and were) assigned to; every change goes to
   * the view index, which tells the streams whose view it changed.
   */
  private async follow(phase: Extract<Phase, { kind: 'leading' }>): Promise<void> {
    const { watcher, index, tasks } = phase;
    const slice = new TimeSlice(SLICE_MS);
    try {
      for await (const ev of watcher) {
        if (slice.due) {
          await slice.yield();
          if (this.phase !== phase) return;
        }
        const removed = ev.kind === 'remove';
        if (isTaskEvent(ev)) {
          const task = ev.object;
          const was = tasks.observe(task, removed);
          index.task(task, removed);
          this.streams.task(task, removed, was);
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
      // The store was restored from a snapshot (or the watch overflowed): serve the term afresh.
      if (this.phase === phase) {
        this.log.warn({ err: messageOf(err) }, 'dispatcher: store watch ended; restarting');
        this.start(phase.term);
      }
    }
  }

  private stepDown(why: string): void {
    clearTimeout(this.timer);
    if (this.phase.kind === 'leading') this.phase.watcher.close();
    const wasServing = this.phase.kind !== 'follower';
    this.phase = { kind: 'follower' };
    this.book.clear();
    const refusal = this.refusal();
    const s = this.statusOf(refusal);
    for (const nodeId of [...this.sessions.keys()]) this.endSession(nodeId, s);
    this.streams.endAll(s);
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
    this.liveness
      .down(due)
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
    this.endSession(nodeId, this.statusOf(new AbortedError('session replaced by a newer one')));
    const session: Session = { id: randomBytes(16).toString('hex'), nodeId, enders: new Set() };
    this.sessions.set(nodeId, session);
    const period = this.book.period(Math.random());
    this.book.beat(nodeId, Date.now(), period);
    const addr = hostOf(call.getPeer());
    // READY goes out with the next write of node states; the session does not wait for it (swarmkit's
    // neither): waiting made opening a session as slow as a commit, which a join storm or a busy log
    // stretched past the agents' deadline, and they opened sessions again and again. A READY that cannot
    // be written ends the session (the agent opens another).
    this.liveness.ready(nodeId, addr).catch((err: unknown) => {
      if (this.sessions.get(nodeId) !== session) return;
      this.log.warn({ err: messageOf(err), nodeId }, 'dispatcher: could not mark node ready');
      this.endSession(nodeId, this.statusOf(err));
    });
    if (call.cancelled) return;
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

  private heartbeat(
    call: grpc.ServerUnaryCall<WireHeartbeatRequest, WireHeartbeatResponse>,
  ): WireHeartbeatResponse {
    return this.beat(this.requireSession(call, call.request.sessionId));
  }

  private beat(session: Session): WireHeartbeatResponse {
    const periodMs = this.book.period(Math.random());
    this.book.beat(session.nodeId, Date.now(), periodMs);
    return { periodMs };
  }

  /**
   * A session's heartbeats as messages on one stream, each answered as Heartbeat would answer it; the
   * caller's certificate is read once. A heartbeat Heartbeat would refuse (another session, not leading)
   * ends the stream with that status; so do more than MAX_HEARTBEATS_PER_PERIOD in one period.
   */
  private heartbeats(call: grpc.ServerDuplexStream<WireHeartbeatRequest, WireHeartbeatResponse>): void {
    let ended = false;
    const end = (s: grpc.StatusObject): void => {
      if (ended) return;
      ended = true;
      call.emit('error', s);
    };
    call.on('error', () => (ended = true)); // the status is out (ours, or grpc-js'): nothing more to answer
    let nodeId: string;
    try {
      nodeId = this.requireLeading(call);
    } catch (err) {
      end(this.statusOf(err));
      return;
    }
    let windowStart = -Infinity;
    let inWindow = 0;
    call.on('data', (req: WireHeartbeatRequest) => {
      if (ended) return;
      try {
        if (this.phase.kind !== 'leading') throw this.refusal();
        const now = Date.now();
        if (now - windowStart >= this.o.heartbeatPeriodMs) [windowStart, inWindow] = [now, 0];
        if (++inWindow > MAX_HEARTBEATS_PER_PERIOD) {
          throw new ResourceExhaustedError(
            `more than ${MAX_HEARTBEATS_PER_PERIOD} heartbeats in one period of ${this.o.heartbeatPeriodMs} ms`,
          );
        }
        call.write(this.beat(this.sessionOf(nodeId, req.sessionId)));
      } catch (err) {
        end(this.statusOf(err));
      }
    });
    call.on('end', () => {
      if (ended) return;
      ended = true;
      call.end();
    });
  }

  private assignments(call: grpc.ServerWritableStream<WireAssignmentsRequest, WireAssignmentsMessage>): void {
    const held = heldNetworksOf(call.request.held);
    const session = this.requireSession(call, call.request.sessionId);
    const phase = this.phase;
    if (phase.kind !== 'leading') throw this.refusal();
    const replacedBy = this.statusOf(new AbortedError('assignments stream replaced by a newer one'));
    // A network the node holds as it is now is not sent again.
    const keeps = (k: string): boolean => {
      const d = held.get(k);
      return d !== undefined && d === phase.digests.of(k);
    };
    this.streams.open(call, session, phase.tasks.of(session.nodeId), phase.index, replacedBy, keeps);
  }

  private async updateTaskStatus(
    call: grpc.ServerUnaryCall<WireUpdateTaskStatusRequest, object>,
  ): Promise<void> {
    const session = this.requireSession(call, call.request.sessionId);
    const now = Date.now();
    const reports = call.request.updates.map(u => reportOf(u.taskId, u.status, now));
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
    return this.sessionOf(this.requireLeading(call), sessionId);
  }

  /** Node `nodeId`'s session if `sessionId` is it; throws NOT_FOUND otherwise. */
  private sessionOf(nodeId: string, sessionId: string): Session {
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

/** The cluster's gateway bridge range (set once at `swarm init`). */
function gatewaySubnetOf(cluster: Cluster | undefined): string {
  return cluster?.gatewaySubnet ?? DEFAULT_GATEWAY_SUBNET;
}
