/**
 * The resolver thread (a worker_threads Worker, started by embedded-dns.ts through resolver-worker.mjs):
 * it owns the node's DNS sockets and answers on them, so no work of the agent (batches, gRPC, its
 * garbage) delays an answer. It holds the record table, built here from each view the agent sends
 * (record-table.ts stays pure), the asker map (source address → scope), and the forwarder for names
 * that are not the cluster's. Everything it knows comes by message and is sent again whole if the
 * thread has to be restarted.
 */
import dgram from 'node:dgram';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { BatchUdpServer, ipv4Number } from './batch-udp-server.ts';
import { bindSockets } from './bind-sockets.ts';
import { Forwarder, type ForwarderLog } from './forwarder.ts';
import { loadUdpBatch, type UdpBatchAddon } from './native/udp-batch.ts';
import { RecordTable } from './record-table.ts';
import { Responder, type Scope } from './responder.ts';
import { DnsSocketServer } from './socket-server.ts';
import type { FromThread, ThreadInit, ToThread } from './thread-messages.ts';
import { parseUpstream } from './upstreams.ts';

/** How long a bind in another namespace may take (a node process starting there). */
const BIND_TIMEOUT_MS = 5000;

/** The thread's scheduling priority (nice): ahead of the agent's and manager's threads of this process. */
const THREAD_NICE = -10;

/**
 * Raises this thread's priority where allowed (root): on Linux setpriority takes a thread ID, which
 * /proc/thread-self names. Without it, the manager's and agent's threads of the same process share the
 * cores with the answer path on equal terms, and an answer waits for their time slices.
 */
function raisePriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, THREAD_NICE);
  } catch {
    // Not root, or not Linux: the thread runs at the process's priority.
  }
}
raisePriority();

const port = parentPort;
if (port === null) throw new Error('resolver-thread.ts runs as a worker thread (see embedded-dns.ts)');
const init = workerData as ThreadInit;
const post = (m: FromThread): void => port.postMessage(m);

/** Fields as plain data: an Error crosses the thread boundary as its message and code. */
function plain(fields: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] =
      v instanceof Error ? { message: v.message, code: (v as NodeJS.ErrnoException).code } : (v as unknown);
  }
  return out;
}

const log: ForwarderLog = {
  warn: (fields, msg) => post({ kind: 'log', level: 'warn', msg, fields: plain(fields) }),
  debug: (fields, msg) => {
    if (init.debug) post({ kind: 'log', level: 'debug', msg, fields: plain(fields) });
  },
};

/** The native batch path for UDP (and the binds), or null for node's dgram: said once per thread start. */
function chooseUdpPath(): UdpBatchAddon | null {
  const say = (level: 'info' | 'warn', msg: string, fields: Record<string, unknown> = {}): void =>
    post({ kind: 'log', level, msg, fields });
  if (!init.batch) {
    say('info', 'dns: answering UDP through dgram (SHOAL_DNS_BATCH=0)');
    return null;
  }
  const { addon, why } = loadUdpBatch();
  if (addon === null) say('warn', 'dns: answering UDP through dgram, the slower path', { why });
  else say('info', 'dns: answering UDP in batches (native recvmmsg/sendmmsg)');
  return addon;
}
const udpBatch = chooseUdpPath();

interface Served {
  server: DnsSocketServer;
  port: number;
}

class ResolverThread {
  private readonly responder = new Responder();
  private readonly forwarder = new Forwarder(init.upstreams.map(parseUpstream), init.upstreamTimeoutMs, log);
  private askers = new Map<string, Scope>();
  /** The same askers keyed by IPv4 address as a number, as the batch path reads sources. */
  private askersV4 = new Map<number, Scope>();
  private readonly served = new Map<string, Served>();
  /** Address → the latest listen request for it (a bind that finishes after a newer request is dropped). */
  private readonly binding = new Map<string, number>();
  private tickets = 0;
  private readonly scopeOf = (address: string): Scope | undefined => this.askers.get(address);
  private readonly scopeOfV4 = (address: number): Scope | undefined => this.askersV4.get(address);

  handle(m: ToThread): void {
    switch (m.kind) {
      case 'state':
        if (m.view !== undefined) {
          try {
            this.responder.setTable(RecordTable.fromView(m.view));
          } catch (err) {
            // A view we cannot read must not take the resolver down (nor again after each restart).
            log.warn({ err }, 'dns: a network view could not be read; the records stay as they were');
          }
        }
        if (m.askers !== undefined) this.setAskers(m.askers);
        post({ kind: 'applied', gen: m.gen });
        return;
      case 'listen':
        this.listen(m.addr, m.port, m.netns);
        return;
      case 'unlisten':
        this.binding.delete(m.addr);
        this.served.get(m.addr)?.server.close();
        this.served.delete(m.addr);
        return;
      case 'crash':
        throw new Error('resolver thread: crash asked for');
    }
  }

  /** Askers with the same networks share one scope, and with it one answer cache. */
  private setAskers(list: [string, string[]][]): void {
    const byNetworks = new Map<string, Scope>();
    for (const s of this.askers.values()) byNetworks.set(s.networkIds.join('\n'), s);
    const next = new Map<string, Scope>();
    const nextV4 = new Map<number, Scope>();
    for (const [addr, networkIds] of list) {
      const key = networkIds.join('\n');
      let scope = byNetworks.get(key);
      if (scope === undefined) {
        scope = this.responder.scope(networkIds);
        byNetworks.set(key, scope);
      }
      next.set(addr, scope);
      const v4 = ipv4Number(addr);
      if (v4 !== undefined) nextV4.set(v4, scope);
    }
    this.askers = next;
    this.askersV4 = nextV4;
  }

  /** The batch loop on a socket the addon bound (bindSockets hands out fds only when it is loaded). */
  private batchServer(fd: number): BatchUdpServer {
    if (udpBatch === null) throw new Error('dns: a native UDP socket without the native addon');
    return new BatchUdpServer(udpBatch, fd, this.responder, this.forwarder, this.scopeOfV4);
  }

  private listen(addr: string, wanted: number, netns: string | undefined): void {
    const have = this.served.get(addr);
    if (have !== undefined && (wanted === 0 || wanted === have.port)) {
      post({ kind: 'listening', addr, port: have.port });
      return;
    }
    have?.server.close();
    this.served.delete(addr);
    const ticket = ++this.tickets;
    this.binding.set(addr, ticket);
    bindSockets(addr, wanted, netns, BIND_TIMEOUT_MS, udpBatch).then(
      ({ udp, tcp, port: bound }) => {
        if (this.binding.get(addr) !== ticket) {
          if (udp instanceof dgram.Socket) udp.close();
          else udpBatch?.closeFd(udp.fd);
          tcp.close();
          return;
        }
        this.binding.delete(addr);
        const udpSide = udp instanceof dgram.Socket ? udp : this.batchServer(udp.fd);
        const server = new DnsSocketServer(udpSide, tcp, this.responder, this.forwarder, this.scopeOf, log);
        this.served.set(addr, { server, port: bound });
        post({ kind: 'listening', addr, port: bound });
      },
      (err: unknown) => {
        if (this.binding.get(addr) !== ticket) return;
        this.binding.delete(addr);
        post({ kind: 'listen-failed', addr, message: err instanceof Error ? err.message : String(err) });
      },
    );
  }
}

const thread = new ResolverThread();
port.on('message', (m: ToThread) => thread.handle(m));
post({ kind: 'ready' });
