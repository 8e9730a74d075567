/**
 * DNS on one UDP socket and one TCP server, for every asker at once: the source address of each query
 * says who asks (a task's DNS reaches us from its own eth1 address, plan-dns-redirect.ts), and so which
 * networks its answers are scoped to. A source nobody registered is REFUSED (and never forwarded: we
 * are no open resolver). Runs in the resolver thread, which owns the sockets. UDP goes through the
 * native batch loop (batch-udp-server.ts) when the addon is there, else through node's dgram here.
 */
import dgram from 'node:dgram';
import type net from 'node:net';
import type { BatchUdpServer } from './batch-udp-server.ts';
import { refuse, servfail } from './fallback-answers.ts';
import type { Forwarder, ForwarderLog } from './forwarder.ts';
import type { Responder, Scope } from './responder.ts';
import { answerUdp } from './udp-answer.ts';

/** The scope of a source address, or undefined when no task asks from there. */
export type ScopeOf = (address: string) => Scope | undefined;

const MAX_TCP_CONNS = 256;
const TCP_IDLE_MS = 10_000;
/** A TCP client that does not read its answers is cut off past this much unsent data. */
const MAX_TCP_BACKLOG = 1 << 20;

export class DnsSocketServer {
  private readonly conns = new Set<net.Socket>();
  private closed = false;

  /** The UDP side: a dgram socket answered here, or the batch server, which answers by itself. */
  constructor(
    private readonly udp: dgram.Socket | BatchUdpServer,
    private readonly tcp: net.Server,
    private readonly responder: Responder,
    private readonly forwarder: Forwarder,
    private readonly scopeOf: ScopeOf,
    log: ForwarderLog,
  ) {
    if (udp instanceof dgram.Socket) {
      udp.on('error', err => log.warn({ err }, 'dns: udp socket error'));
      udp.on('message', (msg, rinfo) => this.onDatagram(udp, msg, rinfo.address, rinfo.port));
    }
    tcp.on('error', err => log.warn({ err }, 'dns: tcp server error'));
    tcp.on('connection', conn => this.onConnection(conn));
  }

  private onDatagram(udp: dgram.Socket, msg: Buffer, address: string, port: number): void {
    const reply = answerUdp(msg, this.scopeOf(address), this.responder, this.forwarder, later => {
      if (!this.closed) udp.send(later, port, address);
    });
    if (reply !== null) udp.send(reply, port, address);
  }

  private onConnection(conn: net.Socket): void {
    const conns = this.conns;
    if (this.closed || conns.size >= MAX_TCP_CONNS) {
      conn.destroy();
      return;
    }
    conns.add(conn);
    const address = conn.remoteAddress ?? '';
    conn.setTimeout(TCP_IDLE_MS, () => conn.destroy());
    conn.on('error', () => conn.destroy());
    conn.on('close', () => conns.delete(conn));
    const send = (packet: Buffer): void => {
      if (conn.destroyed) return;
      if (conn.writableLength > MAX_TCP_BACKLOG) {
        conn.destroy();
        return;
      }
      const len = Buffer.allocUnsafe(2);
      len.writeUInt16BE(packet.length, 0);
      conn.write(Buffer.concat([len, packet]));
    };
    let buf: Buffer = Buffer.alloc(0);
    conn.on('data', (d: Buffer) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const frame = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        // Looked up per query: the asker's networks may change while a connection stays open.
        const scope = this.scopeOf(address);
        if (scope === undefined) {
          const refused = refuse(frame, true);
          if (refused === null) return void conn.destroy();
          send(refused);
          continue;
        }
        const out = this.responder.respond(frame, scope, true);
        if (out.kind === 'drop') {
          // No readable header: the stream cannot be trusted to be framed right any more.
          conn.destroy();
          return;
        }
        if (out.kind === 'reply') {
          send(out.packet);
        } else {
          const q = out.query;
          this.forwarder.forward(frame, true, reply => send(reply ?? servfail(q, 65535)));
        }
      }
    });
  }

  /** Closes both sockets and every open TCP connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.conns) c.destroy();
    try {
      this.udp.close();
    } catch {
      // already closed
    }
    this.tcp.close();
  }
}
