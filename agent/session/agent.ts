/**
 * The agent's session with the managers (swarmkit's agent/session.go): one dispatcher session at a time,
 * with one manager, over mTLS with the node's certificate. The session registers the node, heartbeats at
 * the period the manager asks, receives the tasks assigned to the node (assignments.ts) and hands the
 * full set to the Executor after each change, and reports the states the executor's tasks reach through
 * UpdateTaskStatus (batched; a report stays queued until a manager has written it). Within the session it
 * also hears the log broker's subscriptions and publishes its tasks' output (log-publisher.ts).
 *
 * Any failure (the session stream, a heartbeat, the assignments stream, a status report) ends the whole
 * session; the agent then connects again, to the next manager of those it knows (the managers the last
 * session named, then the daemon's), after a jittered, capped exponential backoff (backoff.ts: 100 ms →
 * 8 s). A follower's refusal names the leader, which is tried next. The executor keeps its tasks while
 * the agent reconnects: only a new complete set from a manager changes them.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { SendPacer } from '../../lib/send-pacer.ts';
import {
  clientOf,
  loadShoalPackage,
  SESSION_FLOW_WINDOW_BYTES,
  TRUSTED_PEER_CHANNEL,
} from '../../proto/load.ts';
import {
  LEADER_ADDR_METADATA,
  type NetworkView,
  type WireHeartbeatResponse,
  type WireSessionMessage,
  type WireTaskStatusUpdate,
} from '../../proto/dispatcher-types.ts';
import type { WireSubscriptionMessage } from '../../proto/logs-types.ts';
import type { ExecStatus, Executor, TaskLogSource } from '../exec/executor.ts';
import type { HeldNetwork__Output as HeldNetwork } from '../../proto/gen/shoal/v1/HeldNetwork.ts';
import { DispatcherClient } from './dispatcher-client.ts';
import { AssignedTasks, AssignmentGapError, type ReceivedAssignments } from './assignments.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { LogPublisher, publishStream } from './log-publisher.ts';

const logsPkg = loadShoalPackage('logs.proto');

export interface AgentOptions {
  /** This node's hostname, as it registers. */
  hostname: string;
  /** The node's mTLS credentials now: each new session uses the certificate held then. */
  credentials: () => grpc.ChannelCredentials;
  /** The managers (host:port) the daemon knows of; the agent adds those the sessions name. */
  managers: () => readonly string[];
  executor: Executor;
  /** Where this node's tasks' output is read for `service logs`; none: subscriptions get nothing. */
  logs?: TaskLogSource;
  log: Logger;
  /** Reconnection backoff. @default 100 ms doubling to 8 s */
  backoff?: BackoffOptions;
  /** How long a manager has to answer a call (and to open a session). @default 5000 (swarmkit's) */
  rpcTimeoutMs?: number;
  /** Past a burst of a few calls, reports within this long of the last call are gathered into one. @default 10 */
  statusBatchMs?: number;
}

/** How one session ended. */
interface Outcome {
  /** Whether the manager had accepted the session (a SessionMessage came). */
  established: boolean;
  why: string;
  /** A follower's refusal: where the leader is. */
  leader?: string;
}

type Stream = grpc.ClientReadableStream<unknown>;

export class Agent {
  private readonly assigned = new AssignedTasks();
  /** Task id → the last state the executor reported, until a manager has written it. */
  private readonly pending = new Map<string, ExecStatus>();
  /** The managers the last session named. */
  private sessionManagers: string[] = [];
  /** Where to connect next: the leader a follower named. */
  private hint: string | undefined;
  private last: string | undefined;
  private live: { addr: string; sessionId: string; flushSoon(): void } | undefined;
  /** Ends the session under way (established or not). */
  private abort: ((why: string) => void) | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly o: AgentOptions) {}

  /** Starts the session loop (once). */
  start(): void {
    if (this.loop !== undefined) return;
    this.unsubscribe = this.o.executor.onStatus((taskId, status) => {
      this.pending.set(taskId, boundedStatus(status));
      this.live?.flushSoon();
    });
    this.loop = this.run();
  }

  /** Ends the session and the loop; the executor is left to its owner. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.('the agent is stopping');
    this.wake?.();
    await this.loop;
    this.unsubscribe?.();
  }

  /** The managers' last network view: the networks this node's tasks are on, and ingress. */
  networkView(): NetworkView {
    return this.assigned.view();
  }

  /** What the agent holds of each network in its view (per network, the digest of its endpoints). */
  heldNetworks(): HeldNetwork[] {
    return this.assigned.held();
  }

  /** How many networks full views have left to the node as it held them, instead of sending them again. */
  get networksKept(): number {
    return this.assigned.networksKept;
  }

  /** The manager the current session is with, if one is established. */
  get manager(): string | undefined {
    return this.live?.addr;
  }

  /** The current session's ID, if one is established. */
  get sessionId(): string | undefined {
    return this.live?.sessionId;
  }

  private async run(): Promise<void> {
    let failures = 0;
    let redirected = false;
    while (!this.stopped) {
      const addr = this.pick();
      const outcome: Outcome =
        addr === undefined
          ? { established: false, why: 'no manager address is known' }
          : await this.session(addr);
      if (this.stopped) return;
      if (outcome.established) failures = 0;
      this.hint = outcome.leader;
      // A refusal that names the leader is a direction, not a failure: the leader is tried at once. Once
      // only: a second refusal in a row waits as failures do, so managers naming each other cannot spin.
      // (After a leader dies, a backoff grown by the dead manager's refusals had every node wait up to
      // 8 s more per redirect.)
      redirected = !outcome.established && outcome.leader !== undefined && !redirected;
      const delay = redirected ? 0 : backoffDelay(failures++, Math.random(), this.o.backoff);
      this.o.log.info({ manager: addr, why: outcome.why, retryInMs: delay }, 'agent: session ended');
      await this.sleep(delay);
    }
  }

  /** The next manager to try: the leader named by a refusal, else the one after the last tried. */
  private pick(): string | undefined {
    const all = [...new Set([...this.sessionManagers, ...this.o.managers()])];
    const hint = this.hint;
    this.hint = undefined;
    if (hint !== undefined) return (this.last = hint);
    if (all.length === 0) return undefined;
    const i = this.last === undefined ? -1 : all.indexOf(this.last);
    return (this.last = all[(i + 1) % all.length]);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise(resolve => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  /** One session with the manager at `addr`, from registration to its end. */
  private session(addr: string): Promise<Outcome> {
    const o = this.o;
    const timeout = o.rpcTimeoutMs ?? 5000;
    const client = new DispatcherClient(addr, o.credentials(), {
      ...TRUSTED_PEER_CHANNEL,
      'grpc.ssl_target_name_override': 'swarm-manager',
      'grpc-node.flow_control_window': SESSION_FLOW_WINDOW_BYTES,
      // Its own connection, which close() really closes (a dead manager's must not be reused).
      'grpc.use_local_subchannel_pool': 1,
    });
    // The log broker's calls share the session's connection.
    const broker = new (clientOf(logsPkg, 'LogBroker'))(addr, o.credentials(), {
      channelOverride: client.getChannel(),
    });
    const publisher = new LogPublisher(o.logs);
    const timers = new Set<NodeJS.Timeout>();
    const streams = new Set<Stream>();
    let sessionId = '';
    let established = false;
    let finished = false;
    let flushing = false;
    // A few reports go at once after a quiet spell (PREPARING, STARTING, RUNNING of one task start);
    // past that burst, reports are gathered over the batch period.
    const pacer = new SendPacer(o.statusBatchMs ?? 10, STATUS_BURST, Date.now());

    return new Promise<Outcome>(resolve => {
      const later = (ms: number, fn: () => void): NodeJS.Timeout => {
        const t = setTimeout(() => {
          timers.delete(t);
          fn();
        }, ms);
        timers.add(t);
        return t;
      };
      const cancel = (t: NodeJS.Timeout | undefined): void => {
        clearTimeout(t);
        if (t !== undefined) timers.delete(t);
      };
      const finish = (why: string, leader?: string): void => {
        if (finished) return;
        finished = true;
        if (this.live?.sessionId === sessionId) this.live = undefined;
        if (this.abort === finish) this.abort = undefined;
        for (const t of timers) clearTimeout(t);
        for (const s of streams) s.cancel();
        publisher.stopAll();
        client.close();
        resolve({ established, why, ...(leader === undefined ? {} : { leader }) });
      };
      this.abort = finish;
      const deadline = (): grpc.CallOptions => ({ deadline: Date.now() + timeout });

      // One call per heartbeat: for a manager of an earlier version, which has no Heartbeats.
      const heartbeat = (periodMs: number): void => {
        later(periodMs, () =>
          client.Heartbeat({ sessionId }, deadline(), (err, res) => {
            if (finished) return;
            if (err !== null) finish(`heartbeat: ${err.details}`, leaderOf(err.metadata));
            // grpc-js passes the reply with a null error.
            else if (res !== undefined) heartbeat(res.periodMs);
          }),
        );
      };

      // The heartbeats as messages on one stream (a call each cost the leader three times as much), each
      // answered within the call deadline or the session ends, as a heartbeat call's would.
      const heartbeats = (periodMs: number): void => {
        const stream = client.Heartbeats();
        streams.add(stream);
        let answered = false;
        let next: NodeJS.Timeout | undefined; // the next heartbeat
        let due: NodeJS.Timeout | undefined; // the deadline of the heartbeat awaiting its answer
        const beat = (): void => {
          next = undefined;
          stream.write({ sessionId });
          const t = later(timeout, () =>
            // After a stall of this process, timers run before its sockets are read: an answer that came
            // in time is read first, then the deadline judged.
            setImmediate(() => {
              if (due === t) finish(`heartbeat: no answer within ${timeout} ms`);
            }),
          );
          due = t;
        };
        stream.on('data', (res: WireHeartbeatResponse) => {
          if (due === undefined) return; // no beat awaits it: one beat, one next beat
          answered = true;
          cancel(due);
          due = undefined;
          next = later(res.periodMs, beat);
        });
        stream.on('error', () => undefined);
        stream.on('status', (st: grpc.StatusObject) => {
          if (finished) return;
          if (!answered && st.code === grpc.status.UNIMPLEMENTED) {
            streams.delete(stream);
            const waiting = due !== undefined;
            cancel(due);
            cancel(next);
            due = undefined;
            heartbeat(waiting ? 0 : periodMs);
            return;
          }
          finish(`heartbeat: ${st.details === '' ? 'stream ended' : st.details}`, leaderOf(st.metadata));
        });
        next = later(periodMs, beat);
      };

      const assignments = (): void => {
        this.assigned.reset();
        const stream = client.Assignments({ sessionId, held: this.assigned.held() });
        streams.add(stream);
        let reopened = false;
        stream.on('data', (m: ReceivedAssignments) => {
          if (reopened) return;
          try {
            this.assigned.apply(m);
          } catch (err) {
            if (!(err instanceof AssignmentGapError)) throw err;
            // Out of sequence: this stream again, from a complete set.
            o.log.warn({ err: err.message }, 'agent: re-opening the assignments stream');
            reopened = true;
            streams.delete(stream);
            stream.cancel();
            assignments();
            return;
          }
          // A large set comes in parts: act on the whole, once its last part is here.
          if (m.more !== true) o.executor.apply(this.assigned.list(), this.assigned.view());
        });
        stream.on('error', () => undefined);
        stream.on('status', (s: grpc.StatusObject) => {
          if (!reopened) finish(`assignments: ${s.details}`, leaderOf(s.metadata));
        });
      };

      // Subscriptions for `service logs`: each one's output goes back on its own PublishLogs stream.
      const logSubscriptions = (): void => {
        const stream = broker.ListenSubscriptions({ sessionId });
        streams.add(stream);
        stream.on('data', (m: WireSubscriptionMessage) =>
          publisher.handle(m, () => {
            const call = broker.PublishLogs(err => {
              if (err !== null) o.log.debug({ err: err.details }, 'agent: publishing logs ended');
            });
            return publishStream(call);
          }),
        );
        stream.on('error', () => undefined);
        stream.on('status', (st: grpc.StatusObject) =>
          finish(`log subscriptions: ${st.details}`, leaderOf(st.metadata)),
        );
      };

      const flush = (): void => {
        if (finished || flushing || this.pending.size === 0) return;
        // At most a bounded part at once: a node reporting thousands of tasks must not make a request
        // larger than a manager takes (it would be refused, and asked again, for ever).
        const sent = new Map<string, ExecStatus>();
        let bytes = 0;
        for (const [taskId, status] of this.pending) {
          const size = taskId.length + status.message.length + status.err.length + 64;
          if (sent.size > 0 && bytes + size > MAX_STATUS_BATCH_BYTES) break;
          sent.set(taskId, status);
          bytes += size;
        }
        for (const id of sent.keys()) this.pending.delete(id);
        const more = this.pending.size > 0;
        const updates: WireTaskStatusUpdate[] = [...sent].map(([taskId, status]) => ({ taskId, status }));
        flushing = true;
        pacer.sent(Date.now());
        client.UpdateTaskStatus({ sessionId, updates }, deadline(), err => {
          flushing = false;
          if (err !== null) {
            // Kept for the next call, unless the task has moved on meanwhile.
            for (const [id, s] of sent) if (!this.pending.has(id)) this.pending.set(id, s);
            if (finished) return;
            // A slow answer is a busy leader, not a broken session (the heartbeats say that): the
            // reports go again on this session (a write that did land takes them as news of nothing).
            // Ending it would add a new session's full view and READY write to the leader's load.
            if (err.code === grpc.status.DEADLINE_EXCEEDED) later(timeout, flush);
            else finish(`task status: ${err.details}`, leaderOf(err.metadata));
            return;
          }
          if (more) flush();
          else if (this.pending.size > 0) flushSoon();
        });
      };
      const flushSoon = (): void => {
        later(pacer.delay(Date.now()), flush);
      };

      const session = client.Session({ hostname: o.hostname });
      streams.add(session);
      later(timeout, () => {
        if (!established) finish(`no session from ${addr} within ${timeout} ms`);
      });
      session.on('data', (m: WireSessionMessage) => {
        if (m.managers.length > 0) this.sessionManagers = [...m.managers];
        if (established) return;
        established = true;
        sessionId = m.sessionId;
        this.live = { addr, sessionId, flushSoon };
        o.log.info({ manager: addr, period: m.heartbeatPeriodMs }, 'agent: session established');
        heartbeats(m.heartbeatPeriodMs);
        assignments();
        logSubscriptions();
        flushSoon();
      });
      session.on('error', () => undefined);
      session.on('status', (s: grpc.StatusObject) => finish(`session: ${s.details}`, leaderOf(s.metadata)));
    });
  }
}

/** The leader's address a follower's refusal carries, if any. */
function leaderOf(md: grpc.Metadata | undefined): string | undefined {
  const v = md?.get(LEADER_ADDR_METADATA)[0];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The most status text one UpdateTaskStatus call carries: well within what a manager takes (1.5 MiB). */
const MAX_STATUS_BATCH_BYTES = 256 * 1024;
/** Status calls made at once after a quiet spell, before reports are gathered over the batch period. */
const STATUS_BURST = 4;
/** A status's message and error are cut to this: an executor's error may quote a process's output. */
const MAX_STATUS_TEXT = 4096;

function boundedStatus(s: ExecStatus): ExecStatus {
  const cut = (t: string): string => (t.length > MAX_STATUS_TEXT ? `${t.slice(0, MAX_STATUS_TEXT)}…` : t);
  return s.message.length > MAX_STATUS_TEXT || s.err.length > MAX_STATUS_TEXT
    ? { ...s, message: cut(s.message), err: cut(s.err) }
    : s;
}
