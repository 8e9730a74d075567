/**
 * The embedded DNS: one agent process answers 127.0.0.11:53 (UDP and TCP) inside every local task's
 * network namespace. For each sandbox a tiny helper (bind-helper.mjs, plain node, no tsx) is started in
 * the namespace with `ip netns exec`; it binds both sockets there and hands them over IPC, then exits.
 * The agent serves them from its own namespace: cluster names from the record table, scoped to the
 * networks of the task whose namespace the socket lives in; everything else forwarded upstream.
 *
 * The daemon wires it: `setView` on each assignment's NetworkView (before the executor starts the
 * tasks of that same update, so records follow the cluster in one step), `addSandbox`/`removeSandbox`
 * on the data plane's SandboxEvents (removal must come before the namespace is deleted: our sockets
 * would keep it alive).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type dgram from 'node:dgram';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { NetworkView } from '../../proto/dispatcher-types.ts';
import type { TaskNetworking, TaskSandbox } from '../network/sandbox.ts';
import { Forwarder } from './forwarder.ts';
import { RecordTable } from './record-table.ts';
import { Responder, type Scope } from './responder.ts';
import { parseUpstream } from './upstreams.ts';
import { RCODE_SERVFAIL, encodeResponse, udpLimit, type Query } from './wire.ts';

export interface EmbeddedDnsOptions {
  /** Resolvers for names that are not the cluster's: `ip`, `ip:port` or `[ip6]:port` (see nodeUpstreams). */
  upstreams: readonly string[];
  /** How long the upstreams get, all together, before the client gets SERVFAIL. Default 3000 ms. */
  upstreamTimeoutMs?: number;
  log: Logger;
  /** How long the bind helper may take in a namespace. Default 5000 ms. */
  bindTimeoutMs?: number;
}

/** DNS served on one UDP socket and one TCP server, for a task on the given networks. */
export interface DnsListener {
  /** The asker moved networks (a task's legs changed). */
  setNetworks(networkIds: readonly string[]): void;
  /** Closes both sockets and every open TCP connection. */
  close(): void;
}

interface SandboxEntry {
  netns: string;
  networkIds: readonly string[];
  listener: DnsListener | null;
  removed: boolean;
  ready: Promise<void>;
}

const HELPER = fileURLToPath(new URL('./bind-helper.mjs', import.meta.url));
/** A namespace name as iproute2 makes them; also keeps it from being read as an option. */
const NETNS_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const MAX_TCP_CONNS = 256;
const TCP_IDLE_MS = 10_000;
/** A TCP client that does not read its answers is cut off past this much unsent data. */
const MAX_TCP_BACKLOG = 1 << 20;

export class EmbeddedDns {
  private readonly responder = new Responder();
  private readonly forwarder: Forwarder;
  private readonly log: Logger;
  private readonly bindTimeoutMs: number;
  private readonly sandboxes = new Map<string, SandboxEntry>();
  private readonly listeners = new Set<DnsListener>();
  private readonly helpers = new Set<ChildProcess>();
  private closed = false;

  constructor(opts: EmbeddedDnsOptions) {
    this.log = opts.log;
    this.bindTimeoutMs = opts.bindTimeoutMs ?? 5000;
    this.forwarder = new Forwarder(
      opts.upstreams.map(parseUpstream),
      opts.upstreamTimeoutMs ?? 3000,
      opts.log,
    );
  }

  /** Replaces the records with those of `view`; answers given from now on follow it. */
  setView(view: NetworkView): void {
    this.responder.setTable(RecordTable.fromView(view));
  }

  /** Serves DNS on sockets the caller bound (tests, benchmarks); the sandboxes use this too. */
  serveOn(udp: dgram.Socket, tcp: net.Server, networkIds: readonly string[]): DnsListener {
    let scope: Scope = this.responder.scope(networkIds);
    let closed = false;
    const conns = new Set<net.Socket>();
    const log = this.log;
    const servfail = (q: Query, limit: number): Buffer => encodeResponse(q, RCODE_SERVFAIL, 0, null, limit);

    udp.on('error', err => log.warn({ err }, 'dns: udp socket error'));
    udp.on('message', (msg, rinfo) => {
      const out = this.responder.respond(msg, scope, false);
      if (out.kind === 'reply') {
        udp.send(out.packet, rinfo.port, rinfo.address);
      } else if (out.kind === 'forward') {
        const q = out.query;
        this.forwarder.forward(msg, false, reply => {
          if (!closed) udp.send(reply ?? servfail(q, udpLimit(q)), rinfo.port, rinfo.address);
        });
      }
    });

    tcp.on('error', err => log.warn({ err }, 'dns: tcp server error'));
    tcp.on('connection', (conn: net.Socket) => {
      if (closed || conns.size >= MAX_TCP_CONNS) {
        conn.destroy();
        return;
      }
      conns.add(conn);
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
    });

    const listener: DnsListener = {
      setNetworks: ids => {
        scope = this.responder.scope(ids);
      },
      close: () => {
        if (closed) return;
        closed = true;
        this.listeners.delete(listener);
        for (const c of conns) c.destroy();
        try {
          udp.close();
        } catch {
          // already closed
        }
        tcp.close();
      },
    };
    this.listeners.add(listener);
    return listener;
  }

  /**
   * Serves 127.0.0.11:53 inside the sandbox's namespace, answering for the networks of its legs.
   * Resolves once both sockets are served; rejects if they cannot be bound there. Called again for a
   * sandbox already served, it only takes the new networks.
   */
  addSandbox(sandbox: TaskSandbox): Promise<void> {
    if (this.closed) return Promise.reject(new Error('embedded DNS closed'));
    const networkIds = sandbox.legs.map(l => l.networkId);
    const have = this.sandboxes.get(sandbox.taskId);
    if (have !== undefined && have.netns === sandbox.netns) {
      have.networkIds = networkIds;
      have.listener?.setNetworks(networkIds);
      return have.ready;
    }
    if (have !== undefined) this.removeSandbox(sandbox.taskId);
    const entry: SandboxEntry = {
      netns: sandbox.netns,
      networkIds,
      listener: null,
      removed: false,
      ready: Promise.resolve(),
    };
    entry.ready = this.bindIn(sandbox.netns).then(
      ({ udp, tcp }) => {
        if (entry.removed || this.closed) {
          udp.close();
          tcp.close();
          return;
        }
        entry.listener = this.serveOn(udp, tcp, entry.networkIds);
        this.log.debug({ taskId: sandbox.taskId, netns: sandbox.netns }, 'dns: serving 127.0.0.11 in task');
      },
      (err: unknown) => {
        if (this.sandboxes.get(sandbox.taskId) === entry) this.sandboxes.delete(sandbox.taskId);
        throw err;
      },
    );
    this.sandboxes.set(sandbox.taskId, entry);
    return entry.ready;
  }

  /**
   * Serves every sandbox the data plane adds from now on (and those it has now, given as `current`),
   * and lets go of each one it removes. Returns the unsubscribe. A sandbox that cannot be served is
   * logged; the task runs on without its resolver rather than not at all.
   */
  follow(networking: TaskNetworking, current: readonly TaskSandbox[] = []): () => void {
    const add = (sandbox: TaskSandbox): void => {
      this.addSandbox(sandbox).catch((err: unknown) =>
        this.log.warn({ err, taskId: sandbox.taskId }, 'dns: cannot serve 127.0.0.11 in task'),
      );
    };
    const off = networking.onSandbox(event => {
      if (event.kind === 'added') add(event.sandbox);
      else this.removeSandbox(event.taskId);
    });
    for (const sandbox of current) add(sandbox);
    return off;
  }

  /** Stops serving a task's namespace and lets go of its sockets (which would keep it alive). */
  removeSandbox(taskId: string): void {
    const entry = this.sandboxes.get(taskId);
    if (entry === undefined) return;
    this.sandboxes.delete(taskId);
    entry.removed = true;
    entry.listener?.close();
  }

  /** Whether a task's namespace is being served (its sockets are held). */
  serves(taskId: string): boolean {
    return this.sandboxes.get(taskId)?.listener != null;
  }

  async close(): Promise<void> {
    this.closed = true;
    const waits = [...this.sandboxes.values()].map(e => e.ready.catch(() => undefined));
    for (const taskId of [...this.sandboxes.keys()]) this.removeSandbox(taskId);
    for (const l of [...this.listeners]) l.close();
    for (const h of this.helpers) h.kill('SIGKILL');
    await Promise.all(waits);
    this.forwarder.close();
  }

  /** Runs the bind helper in `netns` and receives its two sockets. */
  private bindIn(netns: string): Promise<{ udp: dgram.Socket; tcp: net.Server }> {
    if (!NETNS_NAME.test(netns))
      return Promise.reject(new Error(`bad network namespace name ${JSON.stringify(netns)}`));
    return new Promise((resolve, reject) => {
      // NODE_OPTIONS could carry a loader (tsx) that the helper neither needs nor should pay for.
      const env = { ...process.env, NODE_OPTIONS: '' };
      const child = spawn('ip', ['netns', 'exec', netns, process.execPath, HELPER], {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        env,
      });
      this.helpers.add(child);
      let stderr = '';
      child.stderr?.on('data', (b: Buffer) => {
        if (stderr.length < 2000) stderr += b.toString();
      });
      let udp: dgram.Socket | undefined;
      let tcp: net.Server | undefined;
      let settled = false;
      const finish = (err: Error | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err === null && udp !== undefined && tcp !== undefined) {
          resolve({ udp, tcp });
          return;
        }
        udp?.close();
        tcp?.close();
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(err ?? new Error(`dns: bind helper in ${netns} failed`));
      };
      const timer = setTimeout(
        () => finish(new Error(`dns: bind helper in ${netns} took over ${this.bindTimeoutMs} ms`)),
        this.bindTimeoutMs,
      );
      child.on('message', (msg: unknown, handle: unknown) => {
        const kind = typeof msg === 'object' && msg !== null ? (msg as { kind?: unknown }).kind : undefined;
        if (kind === 'udp' && handle !== undefined) udp = handle as dgram.Socket;
        else if (kind === 'tcp' && handle !== undefined) tcp = handle as net.Server;
        else if (kind === 'error') {
          const m = (msg as { message?: unknown }).message;
          finish(new Error(`dns: cannot bind 127.0.0.11:53 in ${netns}: ${String(m)}`));
        }
        if (udp !== undefined && tcp !== undefined) finish(null);
      });
      child.on('error', err => finish(err));
      child.on('exit', code => {
        this.helpers.delete(child);
        if (code !== 0) finish(new Error(`dns: bind helper in ${netns} exited ${code}: ${stderr.trim()}`));
      });
    });
  }
}
