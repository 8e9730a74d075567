/**
 * One simulated node, for the scale benchmark and test. It joins as a worker's shoald does (the root CA
 * fetched without trust and pinned by the worker token's digest, then its CSR signed by
 * NodeCA.IssueNodeCertificate), then holds a real dispatcher session over mTLS under its own
 * certificate, as agent/session/agent.ts does: Session, Heartbeat at the period each answer hands out,
 * the Assignments stream (a complete set, then increments chained by sequence number; a set in parts
 * is acted on once its last part is in; a gap re-opens the stream), and UpdateTaskStatus (one call at a
 * time, a bounded batch each). A failed call ends the session; it connects again after the real agent's
 * backoff, to the leader a follower named or else the next manager it knows.
 *
 * Nothing runs: each task is reported in ONE report at the state the test executor walks it to (RUNNING
 * when desired running, READY when desired ready, SHUTDOWN when desired stopped), not through
 * ACCEPTED…STARTING; a manager takes any forward move, and the dispatcher's load is then one report a task.
 * A task the managers already hold as RUNNING (a new session after a failover) is adopted, not reported.
 *
 * Many agents share one event loop, each with its own channel (its own TLS connection and identity),
 * so each keeps little: per task its service and states, and a summary of its network view
 * (view-summary.ts), read off the wire by a decoder that builds nothing else (assignments-decoder.ts);
 * only with `keepView` is the message decoded whole and the view kept (tests compare it with the one
 * computed from the store). It counts the bytes of the assignment messages it receives, as framed.
 * A light agent's new Assignments stream sends the digest of each network it holds (as the real agent
 * does after a failover), and keeps the endpoints of the networks the manager then leaves out; an agent
 * that keeps its view sends none (it has no wire bytes to hash) and is sent whole views.
 */
import * as grpc from '@grpc/grpc-js';
import { checkRemoteCa, parseJoinToken } from '../../certs/index.ts';
import { backoffDelay } from '../../agent/session/backoff.ts';
import { STOPPING_DESIRED, execRank } from '../../agent/exec/executor.ts';
import {
  LEADER_ADDR_METADATA,
  type NetworkView,
  type WireAssignmentsMessage,
  type WireNetworkViewDelta,
  type WireHeartbeatResponse,
  type WireSessionMessage,
  type WireTaskStatusUpdate,
} from '../../proto/dispatcher-types.ts';
import {
  loadShoalPackage,
  SESSION_FLOW_WINDOW_BYTES,
  serviceOf,
  TRUSTED_PEER_CHANNEL,
} from '../../proto/load.ts';
import { callManager, nodeCredentials } from '../../server/ca/manager-client.ts';
import { decodeAssignments, type LightAssignments, type LightChange } from './assignments-decoder.ts';
import type { SimAgentKey } from './node-keys.ts';
import type { ConnectGate } from './connect-gate.ts';
import { EMPTY_SUMMARY, LightView, lightPartOf, type ViewSummary } from './view-summary.ts';
import { applyViewDelta } from '../../agent/session/view-delta.ts';
import { UnappliedViewDeltas } from './unapplied-view-deltas.ts';

const dispatcher = serviceOf(loadShoalPackage('dispatcher.proto'), 'Dispatcher');

/** A grpc method's path and codecs, from the loaded contract. */
interface Codec {
  path: string;
  requestSerialize: (v: object) => Buffer;
  responseDeserialize: (b: Buffer) => unknown;
}
function method(name: string): Codec {
  const m = dispatcher[name] as Codec | undefined;
  if (m === undefined) throw new Error(`sim-agent: no Dispatcher.${name}`);
  return m;
}
const SESSION = method('Session');
const HEARTBEATS = method('Heartbeats');
const ASSIGNMENTS = method('Assignments');
const UPDATE_TASK_STATUS = method('UpdateTaskStatus');

/**
 * Credentials made once for every agent's join: each set of credentials is an OpenSSL context, and one
 * without roots of its own loads the system's whole CA store (~30 ms a time, the most expensive part
 * of a join on the agents' side).
 */
const TRUST_NOTHING = grpc.credentials.createSsl(null, null, null, {
  rejectUnauthorized: false,
  checkServerIdentity: () => undefined,
});
const pinned = new Map<string, grpc.ChannelCredentials>();
function trustingOnly(caPem: string): grpc.ChannelCredentials {
  let c = pinned.get(caPem);
  if (c === undefined) pinned.set(caPem, (c = grpc.credentials.createSsl(Buffer.from(caPem))));
  return c;
}

/** Reports in one UpdateTaskStatus call at most (each is ~100 bytes: far below a request's limit). */
const MAX_REPORTS_PER_CALL = 2000;

/** What an agent knows of one task assigned to it. */
export interface SimTask {
  readonly serviceId: string;
  desiredState: string;
  /** The furthest state reported (or adopted from the managers); '' before any. */
  reported: string;
  /** The furthest state a manager has written (its UpdateTaskStatus call answered); '' before any. */
  written: string;
}

export interface SimAgentOptions {
  hostname: string;
  key: SimAgentKey;
  /** Keep the whole network view (tests), not only its summary. @default false */
  keepView?: boolean;
  /** Called after each change of what the agent knows (assignments applied, reports written, session up or down). */
  onChange?: () => void;
  /** How long a manager has to answer a call and to open a session. @default 5000, the real agent's */
  rpcTimeoutMs?: number;
  /** Bounds how many agents of the process open a session at once (connect-gate.ts). */
  gate?: ConnectGate;
}

export interface JoinRequest {
  token: string;
  /** The manager to join by (host:port). */
  manager: string;
}

export class SimAgent {
  readonly hostname: string;
  nodeId = '';
  /** Task id → what the agent knows of it: the tasks assigned to it now. */
  readonly tasks = new Map<string, SimTask>();
  private readonly lightView = new LightView();
  private viewed = false;
  /** The last session attempt followed a refusal's leader at once. */
  private redirected = false;

  /** What it holds of its network view (made when asked, once per change). */
  get summary(): ViewSummary {
    return this.viewed ? this.lightView.summary() : EMPTY_SUMMARY;
  }
  /** The sequence number of the view held; undefined before a full view on this stream. */
  private viewSeq: number | undefined;
  /** The whole network view last received (with `keepView` only), and the deltas received after it. */
  private heldView: NetworkView | undefined;
  private unapplied: UnappliedViewDeltas | undefined;
  /** Bytes of assignment messages received, as framed on the wire (protobuf). */
  assignmentBytes = 0;
  assignmentMessages = 0;
  /** Status calls that timed out and were made again on the same session. */
  statusRetries = 0;
  /** The longest a heartbeat took to be answered (ms). */
  slowestHeartbeatMs = 0;
  /** Established sessions that ended other than by kill()/stop(). */
  sessionsLost = 0;
  /** Why the last session (established or not) ended. */
  lastEnd: string | undefined;
  /** Why sessions ended other than by kill()/stop(), numbers left out ("lost: heartbeat: …"), counted. */
  readonly endings = new Map<string, number>();
  /** When the current session was established (ms since the epoch); undefined while there is none. */
  sessionSince: number | undefined;
  /** The manager the current session is with. */
  sessionManager: string | undefined;

  private creds: grpc.ChannelCredentials | undefined;
  private managers: string[] = [];
  private last: string | undefined;
  private hint: string | undefined;
  private seq: number | undefined;
  private dead = false;
  private end: ((why: string) => void) | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(private readonly o: SimAgentOptions) {
    this.hostname = o.hostname;
  }

  /** Joins the cluster with a worker token through `manager`: gets the node its ID and certificate. */
  async join(req: JoinRequest): Promise<void> {
    const digest = parseJoinToken(req.token).digest;
    const ca = await callManager<{ certificate: string }>(
      req.manager,
      TRUST_NOTHING,
      'CA',
      'GetRootCACertificate',
      {},
    );
    checkRemoteCa(ca.certificate, digest);
    const issued = await callManager<{ nodeId: string; certificate: string; members: { addr: string }[] }>(
      req.manager,
      trustingOnly(ca.certificate),
      'NodeCA',
      'IssueNodeCertificate',
      { csr: this.o.key.csrPem, token: req.token, hostname: this.hostname, addr: '' },
    );
    this.nodeId = issued.nodeId;
    this.managers = [...new Set([req.manager, ...issued.members.map(m => m.addr)])];
    this.creds = nodeCredentials({
      caPem: ca.certificate,
      certPem: issued.certificate,
      keyPem: this.o.key.keyPem,
    });
  }

  /** Starts holding a session (after join). */
  start(): void {
    if (this.creds === undefined) throw new Error(`sim-agent ${this.hostname}: join first`);
    this.connect();
  }

  /** As a node that dies: its connection closes, it never comes back. Its state stays readable. */
  kill(): void {
    this.dead = true;
    clearTimeout(this.retry);
    this.end?.('killed');
  }

  /** The whole network view as received (with `keepView` only): the deltas since the last read are merged now. */
  get view(): NetworkView | undefined {
    const delta = this.unapplied?.composed();
    this.unapplied = undefined;
    if (this.heldView !== undefined && delta !== undefined)
      this.heldView = applyViewDelta(this.heldView, delta);
    return this.heldView;
  }

  get alive(): boolean {
    return !this.dead;
  }

  private connect(): void {
    if (this.dead) return;
    const all = this.managers;
    const addr = this.hint ?? all[(Math.max(-1, all.indexOf(this.last ?? '')) + 1) % Math.max(1, all.length)];
    this.hint = undefined;
    if (addr === undefined) throw new Error(`sim-agent ${this.hostname}: no manager known`);
    this.last = addr;
    const gate = this.o.gate;
    if (gate === undefined) {
      this.attempt(addr, () => undefined);
      return;
    }
    gate.enter(leave => {
      if (this.dead) leave();
      else this.attempt(addr, leave);
    });
  }

  /** One session attempt with `addr` (`settled`: it is established, or it ended); then the next. */
  private attempt(addr: string, settled: () => void): void {
    this.session(addr, settled, (established, leader) => {
      this.hint = leader;
      if (this.dead) return;
      if (established) this.failures = 0;
      // As the real agent: a refusal naming the leader is followed at once, once in a row.
      this.redirected = !established && leader !== undefined && !this.redirected;
      const delay = this.redirected ? 0 : backoffDelay(this.failures++, Math.random());
      this.retry = setTimeout(() => this.connect(), delay);
    });
  }

  /** One session with `addr`, from registration to its end; `done` hears how it ended. */
  private session(
    addr: string,
    settled: () => void,
    done: (established: boolean, leader: string | undefined) => void,
  ): void {
    const timeout = this.o.rpcTimeoutMs ?? 5000;
    const client = new grpc.Client(addr, this.creds ?? grpc.credentials.createInsecure(), {
      ...TRUSTED_PEER_CHANNEL,
      'grpc.ssl_target_name_override': 'swarm-manager',
      'grpc-node.flow_control_window': SESSION_FLOW_WINDOW_BYTES,
      // Its own connection: one TLS session per node, as between real nodes and a manager.
      'grpc.use_local_subchannel_pool': 1,
    });
    const timers = new Set<NodeJS.Timeout>();
    const calls = new Set<{ cancel(): void }>();
    const pending = new Map<string, string>();
    let sessionId = '';
    let established = false;
    let finished = false;
    let flushing = false;
    const later = (ms: number, fn: () => void): NodeJS.Timeout => {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
      return t;
    };
    const deadline = (): grpc.CallOptions => ({ deadline: Date.now() + timeout });
    const finish = (why: string, leader?: string): void => {
      if (finished) return;
      finished = true;
      settled();
      if (this.end === finish) this.end = undefined;
      for (const t of timers) clearTimeout(t);
      for (const c of calls) c.cancel();
      client.close();
      // Reports not yet written go again in the next session (the real agent keeps them queued).
      for (const t of this.tasks.values()) if (t.reported !== t.written) t.reported = t.written;
      if (established && why !== 'killed') this.sessionsLost++;
      if (why !== 'killed') {
        const key = `${established ? 'lost' : 'not established'}: ${why.replace(/[\d.:]+\d/g, 'N')}`;
        this.endings.set(key, (this.endings.get(key) ?? 0) + 1);
      }
      this.lastEnd = why;
      this.sessionSince = undefined;
      this.sessionManager = undefined;
      this.o.onChange?.();
      done(established, leader);
    };
    this.end = finish;

    // As the real agent: the heartbeats on one stream, each answered within the call deadline.
    const heartbeats = (periodMs: number): void => {
      const stream = client.makeBidiStreamRequest(
        HEARTBEATS.path,
        HEARTBEATS.requestSerialize,
        HEARTBEATS.responseDeserialize as (b: Buffer) => WireHeartbeatResponse,
      );
      calls.add(stream);
      let due: NodeJS.Timeout | undefined;
      let sent = 0;
      const beat = (): void => {
        if (finished) return;
        sent = Date.now();
        stream.write({ sessionId });
        // As the real agent: an answer this process has not read yet (after a stall) is read first.
        const t = later(timeout, () =>
          setImmediate(() => {
            if (due === t) finish(`heartbeat: no answer within ${timeout} ms`);
          }),
        );
        due = t;
      };
      stream.on('data', (res: WireHeartbeatResponse) => {
        if (due === undefined) return; // no beat awaits it
        this.slowestHeartbeatMs = Math.max(this.slowestHeartbeatMs, Date.now() - sent);
        clearTimeout(due);
        timers.delete(due);
        due = undefined;
        later(res.periodMs, beat);
      });
      stream.on('error', () => undefined);
      stream.on('status', (st: grpc.StatusObject) => {
        if (!finished)
          finish(`heartbeat: ${st.details === '' ? 'stream ended' : st.details}`, leaderOf(st.metadata));
      });
      later(periodMs, beat);
    };

    // Reports go one call at a time; what is queued meanwhile goes in the next.
    const flush = (): void => {
      if (finished || flushing || pending.size === 0) return;
      const sent: WireTaskStatusUpdate[] = [];
      for (const [taskId, state] of pending) {
        if (sent.length >= MAX_REPORTS_PER_CALL) break;
        sent.push({
          taskId,
          status: { state, timestamp: Date.now(), message: state, err: '' },
        });
      }
      for (const u of sent) pending.delete(u.taskId);
      flushing = true;
      client.makeUnaryRequest(
        UPDATE_TASK_STATUS.path,
        UPDATE_TASK_STATUS.requestSerialize,
        UPDATE_TASK_STATUS.responseDeserialize,
        { sessionId, updates: sent },
        deadline(),
        err => {
          flushing = false;
          if (finished) return;
          if (err !== null) {
            // As the real agent: a slow answer is sent again on this session; other errors end it.
            for (const u of sent) if (!pending.has(u.taskId)) pending.set(u.taskId, u.status?.state ?? '');
            if (err.code === grpc.status.DEADLINE_EXCEEDED) {
              this.statusRetries++;
              later(timeout, flush);
            } else finish(`task status: ${err.details}`, leaderOf(err.metadata));
            return;
          }
          for (const u of sent) {
            const t = this.tasks.get(u.taskId);
            if (t !== undefined && execRank(u.status?.state ?? '') > execRank(t.written))
              t.written = u.status?.state ?? '';
          }
          this.o.onChange?.();
          flush();
        },
      );
    };
    const report = (): void => {
      for (const [id, t] of this.tasks) {
        const want = target(t.desiredState);
        if (want === undefined || execRank(want) <= execRank(t.reported)) continue;
        // A task told to stop after it ended (complete, failed) has nothing more to say.
        if (want === 'shutdown' && execRank(t.reported) > execRank('running')) continue;
        t.reported = want;
        pending.set(id, want);
      }
      flush();
    };

    const assignments = (): void => {
      this.seq = undefined;
      this.viewSeq = undefined;
      let reopened = false;
      // Only once it holds a view: before, it has nothing to keep.
      const request =
        this.o.keepView !== true && this.viewed ? { sessionId, held: this.lightView.held() } : { sessionId };
      const stream = client.makeServerStreamRequest(
        ASSIGNMENTS.path,
        ASSIGNMENTS.requestSerialize,
        (b: Buffer) => {
          this.assignmentBytes += b.length;
          this.assignmentMessages++;
          return this.decode(b);
        },
        request,
        new grpc.Metadata(),
      );
      calls.add(stream);
      stream.on('data', (m: Received) => {
        if (reopened || finished) return;
        if (!this.apply(m)) {
          // Out of sequence: this stream again, from a complete set (as the real agent does).
          reopened = true;
          calls.delete(stream);
          stream.cancel();
          assignments();
          return;
        }
        if (!m.light.more) {
          report();
          this.o.onChange?.();
        }
      });
      stream.on('error', () => undefined);
      stream.on('status', (s: grpc.StatusObject) => {
        if (!reopened) finish(`assignments: ${s.details}`, leaderOf(s.metadata));
      });
    };

    const session = client.makeServerStreamRequest(
      SESSION.path,
      SESSION.requestSerialize,
      SESSION.responseDeserialize as (b: Buffer) => WireSessionMessage,
      { hostname: this.hostname },
      new grpc.Metadata(),
    );
    calls.add(session);
    later(timeout, () => {
      // Whether the connection was up says whose time it was: the handshake's, or the session's answer.
      const channel = grpc.connectivityState[client.getChannel().getConnectivityState(false)];
      if (!established) finish(`no session from ${addr} within ${timeout} ms (connection ${channel})`);
    });
    session.on('data', (m: WireSessionMessage) => {
      if (m.managers.length > 0) this.managers = [...m.managers];
      if (established || finished) return;
      established = true;
      settled();
      sessionId = m.sessionId;
      this.sessionSince = Date.now();
      this.sessionManager = addr;
      heartbeats(m.heartbeatPeriodMs);
      assignments();
      this.o.onChange?.();
    });
    session.on('error', () => undefined);
    session.on('status', (s: grpc.StatusObject) => finish(`session: ${s.details}`, leaderOf(s.metadata)));
  }

  /** An assignments message off the wire: whole (keepView), or only what the agent keeps. */
  private decode(b: Buffer): Received {
    if (this.o.keepView !== true) {
      try {
        return { light: decodeAssignments(b) };
      } catch (err) {
        // grpc-js would end the stream with only "failed to parse": say why, once.
        if (!decodeFailed) console.error(`sim-agent ${this.hostname}: ${String(err)}`);
        decodeFailed = true;
        throw err;
      }
    }
    const m = ASSIGNMENTS.responseDeserialize(b) as WireAssignmentsMessage;
    const changes: LightChange[] = [];
    for (const c of m.changes) {
      if (c.task === null) continue;
      const { id, serviceId, desiredState, status } = c.task;
      changes.push({ action: c.action, id, serviceId, desiredState, state: status.state });
    }
    const view = m.networkView ?? undefined;
    const delta = m.viewDelta ?? undefined;
    return {
      light: {
        ...m,
        changes,
        view: view === undefined ? null : lightPartOf(view),
        viewSeq: Number(m.viewSeq),
        viewDelta:
          delta === undefined
            ? null
            : {
                ...lightPartOf(delta),
                appliesTo: Number(delta.appliesTo),
                resultsIn: Number(delta.resultsIn),
              },
      },
      ...(view === undefined ? {} : { view }),
      ...(delta === undefined ? {} : { delta }),
    };
  }

  /** The networks whose endpoints a full view leaves to what the agent holds. */
  private kept(light: LightAssignments): readonly string[] {
    if (this.o.keepView !== true) return light.keptNetworks;
    // It sent no digest, so a manager has nothing to keep: its whole view is all it has.
    if (light.keptNetworks.length > 0 && !unaskedKeep) {
      unaskedKeep = true;
      console.error(
        `sim-agent ${this.hostname}: a full view keeps networks it sent no digest of (ignored): ${light.keptNetworks.join(', ')}`,
      );
    }
    return [];
  }

  /** Applies one assignments message; false on a gap (nothing changed). */
  private apply(m: Received): boolean {
    const { light } = m;
    const delta = light.viewDelta;
    if (light.type !== 'complete' && (this.seq === undefined || light.appliesTo !== this.seq)) return false;
    if (delta !== null && (light.view === null ? this.viewSeq : light.viewSeq) !== delta.appliesTo)
      return false;
    if (light.type === 'complete') {
      const before = new Map(this.tasks);
      this.tasks.clear();
      for (const c of light.changes) if (c.id !== '') this.tasks.set(c.id, known(c, before));
    } else {
      for (const c of light.changes) {
        if (c.id === '') continue;
        if (c.action === 'remove') this.tasks.delete(c.id);
        else this.tasks.set(c.id, known(c, this.tasks));
      }
    }
    if (light.view !== null) {
      this.lightView.apply(light.view, true, this.kept(light));
      this.viewSeq = light.viewSeq;
      if (m.view !== undefined) {
        this.heldView = m.view;
        this.unapplied = undefined;
      }
    }
    if (delta !== null) {
      this.lightView.apply(delta, false);
      this.viewSeq = delta.resultsIn;
      if (m.delta !== undefined && this.heldView !== undefined)
        (this.unapplied ??= new UnappliedViewDeltas()).add(m.delta);
    }
    if (light.view !== null) this.viewed = true;
    this.seq = light.resultsIn;
    return true;
  }
}

let decodeFailed = false;
let unaskedKeep = false;

/** A message as decoded: what every agent keeps, and the whole view for an agent that keeps it. */
interface Received {
  light: LightAssignments;
  view?: NetworkView;
  delta?: WireNetworkViewDelta;
}

/** The task as the agent keeps it: what it knew of it before, with the managers' latest word. */
function known(task: LightChange, before: ReadonlyMap<string, SimTask>): SimTask {
  const had = before.get(task.id);
  // What the managers hold already counts as reported and written (an agent that adopts its tasks).
  const theirs = execRank(task.state) >= 0 ? task.state : '';
  const reported = execRank(theirs) > execRank(had?.reported ?? '') ? theirs : (had?.reported ?? '');
  const written = execRank(theirs) > execRank(had?.written ?? '') ? theirs : (had?.written ?? '');
  return { serviceId: task.serviceId, desiredState: task.desiredState, reported, written };
}

/** The state the test executor walks a task to, for its desired state. */
function target(desired: string): string | undefined {
  if (desired === 'running') return 'running';
  if (desired === 'ready') return 'ready';
  if (STOPPING_DESIRED.has(desired)) return 'shutdown';
  return undefined;
}

/** The leader's address a follower's refusal carries, if any. */
function leaderOf(md: grpc.Metadata | undefined): string | undefined {
  const v = md?.get(LEADER_ADDR_METADATA)[0];
  return typeof v === 'string' && v !== '' ? v : undefined;
}
