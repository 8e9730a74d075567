/**
 * Leader-only calls (LEADER_ONLY, leader-only.ts) made on a follower are forwarded to the
 * leader, as swarmkit's RaftProxy does: one unary gRPC call to the leader's manager port over mTLS as
 * this manager, the original caller in metadata, the caller's deadline, and the leader's reply or status
 * handed back as it came. A forwarded call that reaches a manager that is not the leader is answered
 * UNAVAILABLE (NotLeaderError), never forwarded again: leadership moved, and the caller tries again.
 */
import * as grpc from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { DomainError } from '../../lib/domain-error.ts';
import { UnavailableError } from '../../lib/errors.ts';
import { NotLeaderError } from '../../lib/not-leader-error.ts';
import { TRUSTED_PEER_CHANNEL } from '../../proto/load.ts';
import { actAs, callerOf, FORWARDED_FOR, forwardedFor, forwardedOf, type Caller } from '../caller/caller.ts';
import { LEADER_ONLY } from './leader-only.ts';

import { NO_LEADER } from '../raftnode/raft-node.ts';
import { toGrpcStatus } from './status.ts';

export { NO_LEADER };

/** What forwarding reads of the Raft node. */
export interface LeaderView {
  readonly isLeader: boolean;
  /** The leader's Raft ID; 0 = none known. */
  readonly leader: number;
  /** Raft ID → manager address (host:port). */
  readonly members: ReadonlyMap<number, string>;
}

export interface ForwarderOptions {
  raft: LeaderView;
  /** This manager: who calls made on the daemon's local socket are made by. */
  self: Caller;
  /** This manager's client credentials (its own certificate; new connections follow its renewals). */
  credentials: grpc.ChannelCredentials;
  /** The name managers' certificates carry (they are dialed by IP). */
  serverName: string;
  /** How long a call with no leader known waits for an election (at most half its deadline). */
  electionWaitMs: number;
  /** How often that wait looks for a leader. */
  pollMs: number;
  log: Logger;
}

/** Where a call came in: the manager port (mTLS), or the daemon's local socket (this manager's own). */
export type Entry = 'port' | 'local';

/** A call without a deadline is forwarded with this one: as long as a Raft proposal may wait. */
const DEFAULT_TIMEOUT_MS = 10_000;

type UnaryCall = grpc.ServerUnaryCall<unknown, unknown>;
type UnaryHandler = grpc.handleUnaryCall<unknown, unknown>;
type StreamCall = grpc.ServerWritableStream<unknown, unknown>;
type StreamHandler = grpc.handleServerStreamingCall<unknown, unknown>;
type Route = { to: 'here' } | { to: 'leader'; addr: string } | { to: 'nobody' };
type Destination =
  { to: 'here' } | { to: 'leader'; addr: string } | { to: 'refused'; why: DomainError } | { to: 'gone' };

export class LeaderForwarder {
  /** One channel per leader address, reused across calls. */
  private readonly channels = new Map<string, grpc.Client>();
  private closed = false;

  constructor(private readonly o: ForwarderOptions) {}

  /**
   * `impl` with its leader-only methods forwarded while this manager follows. On the local socket,
   * every unary call is also marked as made by this manager (see `callerOf`).
   */
  wrap(
    service: grpc.ServiceDefinition,
    impl: grpc.UntypedServiceImplementation,
    entry: Entry,
  ): grpc.UntypedServiceImplementation {
    const out: grpc.UntypedServiceImplementation = { ...impl };
    for (const [name, def] of Object.entries(service)) {
      // grpc-js takes a handler under the method's name or its camelCase original name.
      const key = impl[name] === undefined ? def.originalName : name;
      const handler = key === undefined ? undefined : impl[key];
      const unary = !def.requestStream && !def.responseStream;
      const serverStream = !def.requestStream && def.responseStream;
      const leaderOnly = LEADER_ONLY.has(def.path);
      if (leaderOnly && !unary && !serverStream)
        throw new Error(
          `${def.path} is leader-only, but only unary and server-streaming calls are forwarded`,
        );
      if (key === undefined || handler === undefined || (!leaderOnly && entry === 'port')) continue;
      if (serverStream) {
        const h = handler as StreamHandler;
        out[key] = ((call: StreamCall) => {
          if (entry === 'local') actAs(call, this.o.self);
          if (leaderOnly) void this.routeStream(def, h, call, entry);
          else h(call);
        }) as grpc.UntypedHandleCall;
        continue;
      }
      if (!unary) continue;
      const h = handler as UnaryHandler;
      out[key] = ((call: UnaryCall, cb: grpc.sendUnaryData<unknown>) => {
        if (entry === 'local') actAs(call, this.o.self);
        if (leaderOnly) void this.route(def, h, call, cb, entry);
        else h(call, cb);
      }) as grpc.UntypedHandleCall;
    }
    return out;
  }

  private async route(
    def: grpc.MethodDefinition<unknown, unknown>,
    h: UnaryHandler,
    call: UnaryCall,
    cb: grpc.sendUnaryData<unknown>,
    entry: Entry,
  ): Promise<void> {
    if (this.o.raft.isLeader) {
      h(call, cb);
      return;
    }
    const to = await this.destination(call, entry);
    if (to.to === 'gone') return;
    if (to.to === 'here') {
      h(call, cb);
      return;
    }
    if (to.to === 'refused') {
      cb(toGrpcStatus(to.why, this.o.log));
      return;
    }
    const out = this.channel(to.addr).makeUnaryRequest(
      def.path,
      def.requestSerialize,
      def.responseDeserialize,
      call.request,
      forwardedMetadata(call),
      { deadline: deadlineOf(call) },
      (err, res) => (err === null ? cb(null, res) : cb({ code: err.code, details: err.details })),
    );
    call.on('cancelled', () => out.cancel());
  }

  /** A server-streaming call: here when leading, else piped from the leader's stream, message by message. */
  private async routeStream(
    def: grpc.MethodDefinition<unknown, unknown>,
    h: StreamHandler,
    call: StreamCall,
    entry: Entry,
  ): Promise<void> {
    if (this.o.raft.isLeader) {
      h(call);
      return;
    }
    const to = await this.destination(call, entry);
    if (to.to === 'gone') return;
    if (to.to === 'here') {
      h(call);
      return;
    }
    if (to.to === 'refused') {
      call.emit('error', toGrpcStatus(to.why, this.o.log));
      return;
    }
    const d = call.getDeadline();
    const out = this.channel(to.addr).makeServerStreamRequest(
      def.path,
      def.requestSerialize,
      def.responseDeserialize,
      call.request,
      forwardedMetadata(call),
      Number.isFinite(d instanceof Date ? d.getTime() : d) ? { deadline: d } : {},
    );
    // Flow control end to end: a slow caller slows the leader's stream, not this manager's memory.
    out.on('data', (m: unknown) => {
      if (call.write(m)) return;
      out.pause();
      call.once('drain', () => out.resume());
    });
    out.on('error', (err: grpc.ServiceError) => call.emit('error', { code: err.code, details: err.details }));
    out.on('end', () => call.end());
    call.on('cancelled', () => out.cancel());
  }

  /**
   * Where a leader-only call made on a follower goes: here (leadership came meanwhile), to the leader,
   * refused (why), or nowhere (the call or the manager went while it waited).
   */
  private async destination(call: UnaryCall | StreamCall, entry: Entry): Promise<Destination> {
    // Forwarding it again could bounce between managers with stale views: one hop, then the caller retries.
    if (entry === 'port' && forwardedOf(call.metadata).kind !== 'direct') {
      return { to: 'refused', why: NotLeaderError.of(this.o.raft) };
    }
    const route = await this.leader(deadlineOf(call), call);
    // Closed: the manager stopped, and its server cancelled the call.
    if (call.cancelled || this.closed) return { to: 'gone' };
    return route.to === 'nobody' ? { to: 'refused', why: new UnavailableError(NO_LEADER) } : route;
  }

  /**
   * Where the call goes. With no leader known, it waits out an election (as swarmkit's LeaderConn
   * does), but answers within half the caller's deadline, so the caller learns why rather than timing out.
   */
  private async leader(deadline: number, call: UnaryCall | StreamCall): Promise<Route> {
    const giveUpAt = Math.min(Date.now() + this.o.electionWaitMs, (Date.now() + deadline) / 2);
    for (;;) {
      const raft = this.o.raft;
      if (raft.isLeader) return { to: 'here' };
      const addr = raft.leader === 0 ? undefined : raft.members.get(raft.leader);
      if (addr !== undefined) return { to: 'leader', addr };
      if (Date.now() >= giveUpAt || call.cancelled || this.closed) return { to: 'nobody' };
      await sleep(this.o.pollMs);
    }
  }

  private channel(addr: string): grpc.Client {
    // Channels to members that left go with them.
    const live = new Set(this.o.raft.members.values());
    for (const [a, c] of this.channels) {
      if (live.has(a)) continue;
      c.close();
      this.channels.delete(a);
    }
    let c = this.channels.get(addr);
    if (c === undefined) {
      c = new grpc.Client(addr, this.o.credentials, {
        ...TRUSTED_PEER_CHANNEL,
        'grpc.ssl_target_name_override': this.o.serverName,
      });
      this.channels.set(addr, c);
    }
    return c;
  }

  close(): void {
    this.closed = true;
    for (const c of this.channels.values()) c.close();
    this.channels.clear();
  }
}

/** The manager port's server: every service added to it gets the forwarder's wrapper. */
export class LeaderForwardingServer extends grpc.Server {
  constructor(
    private readonly forwarder: LeaderForwarder,
    options?: grpc.ServerOptions,
  ) {
    super(options);
  }

  override addService(
    service: grpc.ServiceDefinition,
    implementation: grpc.UntypedServiceImplementation,
  ): void {
    super.addService(service, this.forwarder.wrap(service, implementation, 'port'));
  }
}

function deadlineOf(call: UnaryCall | StreamCall): number {
  const d = call.getDeadline();
  const ms = d instanceof Date ? d.getTime() : d;
  return Number.isFinite(ms) ? ms : Date.now() + DEFAULT_TIMEOUT_MS;
}

/** The metadata a forwarded call carries: its original caller. */
function forwardedMetadata(call: UnaryCall | StreamCall): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set(FORWARDED_FOR, forwardedFor(callerOf(call)));
  return md;
}
