/**
 * The log broker (swarmkit's manager/logbroker): `shoal service logs` across the cluster. It runs on the
 * leader, beside the dispatcher whose sessions the agents hold: a leader service (leadership.ts), serving
 * from the start of a term to its end; a manager that does not serve refuses with NotLeaderError.
 *
 * - Logs.SubscribeLogs (clients; a follower forwards it): the subscription goes to the agents of the
 *   nodes holding the selected tasks, or, with follow, to every connected agent (tasks may start
 *   anywhere later). Without follow the stream ends once each of those nodes has sent all it had, or
 *   its session ended; nodes that could not be asked are named once before the end.
 * - LogBroker.ListenSubscriptions (agents): one stream per node, tied to its dispatcher session.
 * - LogBroker.PublishLogs (agents): the output of the node's own tasks, for subscriptions sent to it;
 *   the broker names tasks and nodes from the store, never from what the agent says.
 */
import type * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { loadShoalPackage, serviceOf } from '../../proto/load.ts';
import type {
  WireListenSubscriptionsRequest,
  WireLogMessage,
  WireLogOptions,
  WireLogSelector,
  WirePublishLogsMessage,
  WireSubscribeLogsMessage,
  WireSubscribeLogsRequest,
  WireSubscriptionMessage,
} from '../../proto/logs-types.ts';
import {
  InvalidArgumentError,
  NotFoundError,
  PermissionError,
  UnauthenticatedError,
} from '../../lib/errors.ts';
import { NotLeaderError, type LeaderKnowledge } from '../../lib/not-leader-error.ts';
import { callerOf } from '../caller/caller.ts';
import type { LeaderService } from '../leader/leadership.ts';
import { toGrpcStatus } from '../rpc/status.ts';
import { findTasks, getNode, getService, getTask, type MemoryStore, type Task } from '../store/index.ts';

const pkg = loadShoalPackage('logs.proto');
export const logsService = serviceOf(pkg, 'Logs');
export const logBrokerService = serviceOf(pkg, 'LogBroker');

/** What the broker needs of the dispatcher: the caller's live session, and word when it ends. */
export interface SessionGate {
  /**
   * The calling node if `sessionId` is its live session (`end` is then called when the session ends,
   * until `leave`); otherwise the refusal to answer with.
   */
  joinSession(
    call: Parameters<typeof callerOf>[0],
    sessionId: string,
    end: (s: grpc.StatusObject) => void,
  ): { nodeId: string; leave: () => void } | { refused: grpc.StatusObject };
}

export interface LogBrokerOptions {
  store: MemoryStore;
  gate: SessionGate;
  raft: LeaderKnowledge & { readonly isLeader: boolean };
  log: Logger;
  /** Without follow: nodes silent this long are given up on (named unavailable). @default 10000 */
  idleMs?: number;
}

interface Listener {
  readonly nodeId: string;
  send(m: WireSubscriptionMessage): void;
}

interface Subscription {
  readonly id: string;
  readonly selector: WireLogSelector;
  readonly options: WireLogOptions;
  /** The nodes it was sent to (and may publish for it). */
  readonly sent: Set<string>;
  /** Without follow: the nodes still to say they are done. */
  readonly waiting: Set<string>;
  readonly unavailable: Set<string>;
  /** `<node id>/<task id>` → the task's context, named (and checked) once from the store. */
  readonly names: Map<string, { serviceId: string; taskName: string; nodeHostname: string }>;
  /** False: the client is behind; `publisher` (an agent's stream) is paused until it catches up. */
  write(m: WireSubscribeLogsMessage, publisher: grpc.ServerReadableStream<unknown, unknown>): void;
  end(s?: grpc.StatusObject): void;
  /** Without follow: the nodes still waited for have shown life. */
  heard(): void;
}

export class LogBroker implements LeaderService {
  readonly name = 'log broker';
  private serving = false;
  private readonly listeners = new Map<string, Listener>();
  private readonly subs = new Map<string, Subscription>();

  constructor(private readonly o: LogBrokerOptions) {}

  /** Logs.SubscribeLogs, for the manager port and the daemon's socket (wrapped by the forwarder). */
  logsHandlers(): grpc.UntypedServiceImplementation {
    return {
      SubscribeLogs: ((
        call: grpc.ServerWritableStream<WireSubscribeLogsRequest, WireSubscribeLogsMessage>,
      ) => {
        try {
          this.subscribe(call);
        } catch (err) {
          call.emit('error', toGrpcStatus(err, this.o.log));
        }
      }) as grpc.UntypedHandleCall,
    };
  }

  /** LogBroker, for the agents. */
  brokerHandlers(): grpc.UntypedServiceImplementation {
    return {
      ListenSubscriptions: ((
        call: grpc.ServerWritableStream<WireListenSubscriptionsRequest, WireSubscriptionMessage>,
      ) => {
        try {
          this.listen(call);
        } catch (err) {
          call.emit('error', toGrpcStatus(err, this.o.log));
        }
      }) as grpc.UntypedHandleCall,
      PublishLogs: ((
        call: grpc.ServerReadableStream<WirePublishLogsMessage, object>,
        cb: grpc.sendUnaryData<object>,
      ) => this.publish(call, cb)) as grpc.UntypedHandleCall,
    };
  }

  start(): void {
    this.serving = true;
  }

  /** Ends every subscription: the clients ask the new leader (the dispatcher ends the agents' streams). */
  stop(): void {
    this.serving = false;
    const refusal = toGrpcStatus(NotLeaderError.of(this.o.raft), this.o.log);
    for (const sub of [...this.subs.values()]) sub.end(refusal);
  }

  private subscribe(
    call: grpc.ServerWritableStream<WireSubscribeLogsRequest, WireSubscribeLogsMessage>,
  ): void {
    if (!this.serving) throw NotLeaderError.of(this.o.raft);
    const selector = selectorOf(call.request.selector);
    const options: WireLogOptions = {
      follow: call.request.options?.follow === true,
      tail: call.request.options?.tail ?? -1,
    };
    if (!Number.isSafeInteger(options.tail)) throw new InvalidArgumentError('tail must be an integer');
    const tasks = this.o.store.view(tx => {
      for (const id of selector.serviceIds) {
        if (getService(tx, id) === undefined) throw new NotFoundError(`service ${id} not found`);
      }
      for (const id of selector.taskIds) {
        if (getTask(tx, id) === undefined) throw new NotFoundError(`task ${id} not found`);
      }
      return findTasks(tx, { where: t => t.nodeId !== '' && selects(selector, t) });
    });
    const holding = new Set(tasks.map(t => t.nodeId));
    let ended = false;
    let idle: NodeJS.Timeout | undefined;
    const paused = new Set<grpc.ServerReadableStream<unknown, unknown>>();
    const resume = (): void => {
      for (const p of paused) p.resume();
      paused.clear();
    };
    const sub: Subscription = {
      id: randomBytes(12).toString('hex'),
      selector,
      options,
      sent: new Set(),
      waiting: new Set(),
      unavailable: new Set(),
      names: new Map(),
      write: (m, publisher) => {
        if (ended || call.write(m)) return;
        // Flow control: the agents' streams wait for a slow client instead of piling up here.
        publisher.pause();
        paused.add(publisher);
        if (paused.size === 1) call.once('drain', resume);
      },
      heard: () => {
        if (options.follow) return;
        clearTimeout(idle);
        // A node that neither publishes nor leaves (a hung agent) must not hold the client forever.
        idle = setTimeout(() => {
          for (const nodeId of sub.waiting) sub.unavailable.add(nodeId);
          sub.waiting.clear();
          sub.end();
        }, this.o.idleMs ?? 10_000);
      },
      end: s => {
        if (ended) return;
        ended = true;
        clearTimeout(idle);
        resume();
        this.subs.delete(sub.id);
        for (const nodeId of sub.sent) this.listeners.get(nodeId)?.send(closeOf(sub.id));
        if (s !== undefined) {
          call.emit('error', s);
          return;
        }
        if (sub.unavailable.size > 0)
          call.write({ messages: [], unavailableNodes: this.hostnames(sub.unavailable) });
        call.end();
      },
    };
    call.on('cancelled', () => sub.end());
    this.subs.set(sub.id, sub);
    const targets = options.follow ? new Set([...holding, ...this.listeners.keys()]) : holding;
    for (const nodeId of targets) {
      const l = this.listeners.get(nodeId);
      if (l === undefined) {
        if (!options.follow) sub.unavailable.add(nodeId);
        continue;
      }
      sub.sent.add(nodeId);
      if (!options.follow) sub.waiting.add(nodeId);
      l.send(subscriptionOf(sub));
    }
    sub.heard();
    this.maybeDone(sub);
  }

  /** Nodes as a person knows them: hostnames (IDs of nodes the store no longer has), sorted. */
  private hostnames(nodeIds: Set<string>): string[] {
    return this.o.store
      .view(tx => [...nodeIds].map(id => getNode(tx, id)?.description.hostname ?? id))
      .sort();
  }

  private listen(
    call: grpc.ServerWritableStream<WireListenSubscriptionsRequest, WireSubscriptionMessage>,
  ): void {
    const leave = (): void => {
      if (this.listeners.get(nodeId) !== listener) return;
      this.listeners.delete(nodeId);
      // Sessions end together when leadership moves: the clients ask the new leader.
      if (!this.serving) {
        for (const sub of [...this.subs.values()])
          sub.end(toGrpcStatus(NotLeaderError.of(this.o.raft), this.o.log));
        return;
      }
      for (const sub of this.subs.values()) {
        if (!sub.sent.has(nodeId)) continue;
        if (sub.waiting.delete(nodeId)) sub.unavailable.add(nodeId);
        this.maybeDone(sub);
      }
    };
    const joined = this.o.gate.joinSession(call, call.request.sessionId, s => {
      leave();
      call.emit('error', s);
    });
    if ('refused' in joined) {
      call.emit('error', joined.refused);
      return;
    }
    const nodeId = joined.nodeId;
    const listener: Listener = { nodeId, send: m => call.write(m) };
    this.listeners.set(nodeId, listener);
    call.on('cancelled', () => {
      joined.leave();
      leave();
    });
    // Follow subscriptions reach nodes that connect after they began.
    for (const sub of this.subs.values()) {
      if (!sub.options.follow || sub.sent.has(nodeId)) continue;
      sub.sent.add(nodeId);
      listener.send(subscriptionOf(sub));
    }
  }

  private publish(
    call: grpc.ServerReadableStream<WirePublishLogsMessage, object>,
    cb: grpc.sendUnaryData<object>,
  ): void {
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      cb(toGrpcStatus(err, this.o.log));
      call.destroy();
    };
    const nodeId = callerOf(call)?.nodeId;
    if (!this.serving) return fail(NotLeaderError.of(this.o.raft));
    if (nodeId === undefined) {
      return fail(new UnauthenticatedError('a client certificate of this cluster is required'));
    }
    call.on('data', (m: WirePublishLogsMessage) => {
      if (failed) return;
      try {
        this.deliver(nodeId, m, call);
      } catch (err) {
        fail(err);
      }
    });
    call.on('end', () => {
      if (!failed) cb(null, {});
    });
    call.on('error', () => undefined);
  }

  /** One published message: the node's own tasks, for a subscription it was sent. */
  private deliver(
    nodeId: string,
    m: WirePublishLogsMessage,
    publisher: grpc.ServerReadableStream<WirePublishLogsMessage, object>,
  ): void {
    const sub = this.subs.get(m.subscriptionId);
    // Ended meanwhile (the client went): what was on its way is dropped.
    if (sub === undefined) return;
    if (!sub.sent.has(nodeId)) {
      throw new PermissionError('subscription not sent to this node');
    }
    const messages: WireLogMessage[] = [];
    for (const msg of m.messages) {
      const taskId = msg.context?.taskId ?? '';
      // Keyed by node too: a name checked for one node's task says nothing of another node's claim.
      const named = sub.names.get(`${nodeId}/${taskId}`) ?? this.taskNames(nodeId, sub, taskId);
      if (msg.stream !== 'stdout' && msg.stream !== 'stderr') {
        throw new InvalidArgumentError(`stream must be stdout or stderr, not "${msg.stream}"`);
      }
      messages.push({ context: { ...named, taskId, nodeId }, stream: msg.stream, data: msg.data });
    }
    sub.heard();
    if (messages.length > 0) sub.write({ messages, unavailableNodes: [] }, publisher);
    if (m.close && sub.waiting.delete(nodeId)) this.maybeDone(sub);
  }

  /** The names of a task the node publishes for: it must be the node's own, and selected. */
  private taskNames(
    nodeId: string,
    sub: Subscription,
    taskId: string,
  ): { serviceId: string; taskName: string; nodeHostname: string } {
    const named = this.o.store.view(tx => {
      const t = getTask(tx, taskId);
      if (t === undefined || t.nodeId !== nodeId || !selects(sub.selector, t)) return undefined;
      const service = getService(tx, t.serviceId)?.spec.name ?? t.serviceId;
      const taskName =
        t.standalone !== undefined
          ? t.standalone.name
          : `${service}.${t.slot !== 0 ? t.slot : t.nodeId}.${t.id}`;
      return {
        serviceId: t.serviceId,
        taskName,
        nodeHostname: getNode(tx, nodeId)?.description.hostname ?? nodeId,
      };
    });
    if (named === undefined) {
      throw new PermissionError(`task ${taskId} is not a selected task of this node`);
    }
    sub.names.set(`${nodeId}/${taskId}`, named);
    return named;
  }

  private maybeDone(sub: Subscription): void {
    if (!sub.options.follow && sub.waiting.size === 0) sub.end();
  }
}

function selectorOf(s: WireLogSelector | null): WireLogSelector {
  const serviceIds = s?.serviceIds ?? [];
  const taskIds = s?.taskIds ?? [];
  if (serviceIds.length + taskIds.length === 0) {
    throw new InvalidArgumentError('the selector names no service and no task');
  }
  return { serviceIds: [...serviceIds], taskIds: [...taskIds] };
}

function selects(s: WireLogSelector, t: Task): boolean {
  return s.serviceIds.includes(t.serviceId) || s.taskIds.includes(t.id);
}

function subscriptionOf(sub: Subscription): WireSubscriptionMessage {
  return { id: sub.id, selector: sub.selector, options: sub.options, close: false };
}

function closeOf(id: string): WireSubscriptionMessage {
  return { id, selector: null, options: null, close: true };
}
