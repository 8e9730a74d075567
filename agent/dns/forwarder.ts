/**
 * Sends the queries that are not the cluster's to the upstream resolvers and hands back their answers
 * as they are (only the message id is ours on the way up, the client's on the way back). UDP queries go
 * up over UDP, TCP queries over TCP. The upstreams are tried in turn within one overall timeout; when
 * none answers in time, the caller gets null (and answers SERVFAIL). Forwarding runs from the agent's
 * own network namespace, so a task reaches the outside resolvers even without a route of its own.
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import type { Upstream } from './upstreams.ts';
import { isResponse } from './wire.ts';

export type ForwardDone = (reply: Buffer | null) => void;

/** Where the forwarder (and the resolver thread's sockets) report trouble: pino's shape, or a shim in the thread. */
export interface ForwarderLog {
  warn(fields: object, msg: string): void;
  debug(fields: object, msg: string): void;
}

interface Pending {
  clientId: number;
  done: ForwardDone;
  timers: NodeJS.Timeout[];
  /** Upstreams asked so far (a reply from anyone else is ignored). */
  asked: Upstream[];
}

/** Bounds the state a flood of unknown names can pin: beyond these, answer SERVFAIL at once. */
const MAX_PENDING_UDP = 4096;
const MAX_PENDING_TCP = 128;

export class Forwarder {
  private readonly pending = new Map<number, Pending>();
  private readonly sockets = new Map<4 | 6, dgram.Socket>();
  private readonly tcpConns = new Set<net.Socket>();
  private closed = false;

  constructor(
    private readonly upstreams: readonly Upstream[],
    private readonly timeoutMs: number,
    private readonly log: ForwarderLog,
  ) {}

  forward(packet: Buffer, tcp: boolean, done: ForwardDone): void {
    if (this.closed || this.upstreams.length === 0 || packet.length < 12) return done(null);
    if (tcp) this.forwardTcp(packet, done);
    else this.forwardUdp(packet, done);
  }

  private socket(family: 4 | 6): dgram.Socket {
    let s = this.sockets.get(family);
    if (s === undefined) {
      const sock = dgram.createSocket(family === 4 ? 'udp4' : 'udp6');
      sock.on('message', (msg, rinfo) => this.onUpstreamReply(msg, rinfo));
      sock.on('error', err => this.log.warn({ err }, 'dns: upstream socket error'));
      this.sockets.set(family, sock);
      s = sock;
    }
    return s;
  }

  private forwardUdp(packet: Buffer, done: ForwardDone): void {
    if (this.pending.size >= MAX_PENDING_UDP) return done(null);
    let id: number;
    do id = randomInt(0x10000);
    while (this.pending.has(id));
    const out = Buffer.from(packet);
    out.writeUInt16BE(id, 0);
    const p: Pending = { clientId: packet.readUInt16BE(0), done, timers: [], asked: [] };
    this.pending.set(id, p);
    const step = this.timeoutMs / this.upstreams.length;
    this.upstreams.forEach((u, i) => {
      const send = (): void => {
        p.asked.push(u);
        this.socket(net.isIPv6(u.host) ? 6 : 4).send(out, u.port, u.host, err => {
          if (err) this.log.debug({ err, upstream: u }, 'dns: upstream send failed');
        });
      };
      if (i === 0) send();
      else p.timers.push(setTimeout(send, step * i));
    });
    p.timers.push(
      setTimeout(() => {
        this.pending.delete(id);
        done(null);
      }, this.timeoutMs),
    );
  }

  private onUpstreamReply(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (!isResponse(msg)) return;
    const id = msg.readUInt16BE(0);
    const p = this.pending.get(id);
    if (p === undefined || !p.asked.some(u => u.host === rinfo.address && u.port === rinfo.port)) return;
    this.pending.delete(id);
    for (const t of p.timers) clearTimeout(t);
    msg.writeUInt16BE(p.clientId, 0);
    p.done(msg);
  }

  private forwardTcp(packet: Buffer, done: ForwardDone): void {
    if (this.tcpConns.size >= MAX_PENDING_TCP) return done(null);
    const deadline = Date.now() + this.timeoutMs;
    const frame = Buffer.allocUnsafe(packet.length + 2);
    frame.writeUInt16BE(packet.length, 0);
    packet.copy(frame, 2);
    let finished = false;
    const finish = (reply: Buffer | null): void => {
      if (finished) return;
      finished = true;
      done(reply);
    };
    const attempt = (i: number): void => {
      const u = this.upstreams[i];
      const left = deadline - Date.now();
      if (u === undefined || left <= 0 || this.closed) return finish(null);
      // Each upstream gets an equal share of what is left, the last one all of it.
      const budget = i === this.upstreams.length - 1 ? left : left / (this.upstreams.length - i);
      const conn = net.connect({ host: u.host, port: u.port });
      this.tcpConns.add(conn);
      let buf = Buffer.alloc(0);
      let moved = false;
      const next = (): void => {
        if (moved) return;
        moved = true;
        clearTimeout(timer);
        conn.destroy();
        this.tcpConns.delete(conn);
        attempt(i + 1);
      };
      const timer = setTimeout(next, budget);
      conn.on('connect', () => conn.write(frame));
      conn.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length < 2) return;
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) return;
        moved = true;
        clearTimeout(timer);
        conn.destroy();
        this.tcpConns.delete(conn);
        const reply = buf.subarray(2, 2 + len);
        finish(isResponse(reply) ? reply : null);
      });
      conn.on('error', next);
      conn.on('close', next);
    };
    attempt(0);
  }

  close(): void {
    this.closed = true;
    for (const p of this.pending.values()) for (const t of p.timers) clearTimeout(t);
    this.pending.clear();
    for (const c of this.tcpConns) c.destroy();
    this.tcpConns.clear();
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }
}
