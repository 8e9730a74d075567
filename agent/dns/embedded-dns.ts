/**
 * The embedded DNS, as the agent sees it: one resolver per node, answering in a thread of its own
 * (resolver-thread.ts) on one UDP socket and one TCP server on the gateway bridge's address. Every
 * task's 127.0.0.11:53 is brought there by its own nft rules (agent/network/planner/plan-dns-redirect.ts), and
 * the source address of a query says which task asks, and so which networks its answers come from.
 *
 * This side keeps what the thread must know (the network view, who asks from which address, where to
 * listen), sends each change as it comes, and confirms (`synced`) once the thread follows it. A thread
 * that dies (an uncaught error) is started again with all of it, after a short backoff; the agent goes
 * on. Nothing here is per task.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { NetworkView } from '../../proto/dispatcher-types.ts';
import type { FromThread, ThreadInit, ToThread } from './thread-messages.ts';
import { parseUpstream } from './upstreams.ts';

export interface EmbeddedDnsOptions {
  /** Resolvers for names that are not the cluster's: `ip`, `ip:port` or `[ip6]:port` (see nodeUpstreams). */
  upstreams: readonly string[];
  /** How long the upstreams get, all together, before the client gets SERVFAIL. Default 3000 ms. */
  upstreamTimeoutMs?: number;
  /**
   * UDP through the native batch loop (agent/dns/native), when it is built; false: node's dgram.
   * Default: true unless SHOAL_DNS_BATCH=0.
   */
  batch?: boolean;
  log: Logger;
}

interface Listen {
  /** The port asked for (0: any), then the one bound, which a restarted thread binds again. */
  port: number;
  netns: string | undefined;
  bound: boolean;
  waiters: { resolve: (port: number) => void; reject: (err: Error) => void }[];
}

const ENTRY = new URL('./resolver-worker.mjs', import.meta.url);
const RESTART_MIN_MS = 50;
const RESTART_MAX_MS = 2000;
/** A thread that lived this long before it died is restarted at once again. */
const STABLE_MS = 10_000;

export class EmbeddedDns {
  private readonly log: Logger;
  private readonly init: ThreadInit;
  private worker: Worker | undefined;
  private startedAt = 0;
  private restartsInARow = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarted = 0;
  private closed = false;
  /** The latest state sent, and the generation the thread last confirmed. */
  private gen = 0;
  private appliedGen = 0;
  private view: NetworkView | undefined;
  private askers: [string, string[]][] = [];
  private readonly waiters = new Set<{ gen: number; done: (ok: boolean) => void }>();
  private readonly listens = new Map<string, Listen>();
  private ready: { resolve: () => void; reject: (err: Error) => void } | undefined;

  private constructor(o: EmbeddedDnsOptions) {
    this.log = o.log;
    for (const u of o.upstreams) parseUpstream(u); // refused here, not in the thread
    this.init = {
      upstreams: [...o.upstreams],
      upstreamTimeoutMs: o.upstreamTimeoutMs ?? 3000,
      debug: o.log.isLevelEnabled('debug'),
      batch: o.batch ?? process.env.SHOAL_DNS_BATCH !== '0',
    };
  }

  /** Starts the resolver thread; resolves once it runs (it listens nowhere yet: see listen). */
  static async start(o: EmbeddedDnsOptions): Promise<EmbeddedDns> {
    const dns = new EmbeddedDns(o);
    await dns.spawn();
    return dns;
  }

  /** Replaces the records with those of `view`; answers follow it once the thread has it (see synced). */
  setView(view: NetworkView): void {
    if (this.closed || view === this.view) return;
    this.view = view;
    this.post({ kind: 'state', gen: ++this.gen, view });
  }

  /** Who asks from where: source address → the networks of the task asking from it. Replaces the last map. */
  setAskers(askers: ReadonlyMap<string, readonly string[]>): void {
    const list: [string, string[]][] = [...askers].map(([addr, ids]) => [addr, [...ids]]);
    if (this.closed || sameAskers(list, this.askers)) return;
    this.askers = list;
    this.post({ kind: 'state', gen: ++this.gen, askers: list });
  }

  /**
   * Resolves true once the thread answers by everything sent so far (view and askers), false if that
   * takes over `timeoutMs` (a thread being restarted): callers wait on it, but never without bound.
   */
  synced(timeoutMs = 2000): Promise<boolean> {
    const gen = this.gen;
    if (this.appliedGen >= gen) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise(resolve => {
      const w = {
        gen,
        done: (ok: boolean): void => {
          clearTimeout(timer);
          this.waiters.delete(w);
          resolve(ok);
        },
      };
      const timer = setTimeout(() => w.done(false), timeoutMs);
      this.waiters.add(w);
    });
  }

  /**
   * Answers on UDP and TCP addr:port (port 0: any free port, the same for both), bound in network
   * namespace `netns` when the agent is not in it. Resolves with the port once both are bound; rejects
   * if they cannot be (the caller retries). Kept: a restarted thread binds it again.
   */
  listen(addr: string, port: number, netns?: string, timeoutMs = 10_000): Promise<number> {
    if (this.closed) return Promise.reject(new Error('embedded DNS closed'));
    let l = this.listens.get(addr);
    if (l !== undefined && l.bound && l.netns === netns && (port === 0 || port === l.port)) {
      return Promise.resolve(l.port);
    }
    if (l === undefined || l.bound || l.port !== port || l.netns !== netns) {
      const waiters = l?.waiters ?? [];
      l = { port, netns, bound: false, waiters };
      this.listens.set(addr, l);
      this.post({ kind: 'listen', addr, port, ...(netns === undefined ? {} : { netns }) });
    }
    const entry = l;
    return new Promise((resolve, reject) => {
      const w = {
        resolve: (p: number): void => {
          clearTimeout(timer);
          resolve(p);
        },
        reject: (err: Error): void => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        entry.waiters = entry.waiters.filter(x => x !== w);
        reject(new Error(`dns: not listening on ${addr}:${port} after ${timeoutMs} ms`));
      }, timeoutMs);
      entry.waiters.push(w);
    });
  }

  /** Stops answering on addr. */
  unlisten(addr: string): void {
    const l = this.listens.get(addr);
    if (l === undefined) return;
    this.listens.delete(addr);
    for (const w of l.waiters) w.reject(new Error(`dns: no longer listening on ${addr}`));
    this.post({ kind: 'unlisten', addr });
  }

  /** How many times the thread was started again after it died. */
  get restarts(): number {
    return this.restarted;
  }

  /** Makes the thread fail with an uncaught error, as a bug in it would (tests of the restart). */
  crash(): void {
    this.post({ kind: 'crash' });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.restartTimer);
    for (const w of [...this.waiters]) w.done(false);
    for (const [addr, l] of this.listens) {
      for (const w of l.waiters) w.reject(new Error(`dns: closed before listening on ${addr}`));
    }
    this.listens.clear();
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private post(m: ToThread): void {
    // While the thread is being restarted the message is not lost: the new one gets the whole state.
    this.worker?.postMessage(m);
  }

  private spawn(): Promise<void> {
    const worker = new Worker(ENTRY, { workerData: this.init, execArgv: [] });
    this.worker = worker;
    this.startedAt = Date.now();
    const started = new Promise<void>((resolve, reject) => (this.ready = { resolve, reject }));
    worker.on('message', (m: FromThread) => this.onMessage(m));
    worker.on('error', err => this.log.error({ err }, 'dns: the resolver thread failed'));
    worker.on('exit', code => this.onExit(worker, code));
    return started;
  }

  private onMessage(m: FromThread): void {
    switch (m.kind) {
      case 'ready':
        this.ready?.resolve();
        this.ready = undefined;
        this.replay();
        return;
      case 'applied':
        this.appliedGen = Math.max(this.appliedGen, m.gen);
        for (const w of [...this.waiters]) if (w.gen <= this.appliedGen) w.done(true);
        return;
      case 'listening': {
        const l = this.listens.get(m.addr);
        if (l === undefined) return;
        l.port = m.port;
        l.bound = true;
        const waiters = l.waiters;
        l.waiters = [];
        for (const w of waiters) w.resolve(m.port);
        return;
      }
      case 'listen-failed': {
        const l = this.listens.get(m.addr);
        if (l === undefined) return;
        this.listens.delete(m.addr);
        for (const w of l.waiters) w.reject(new Error(m.message));
        return;
      }
      case 'log':
        this.log[m.level](m.fields, m.msg);
        return;
    }
  }

  /** A new thread gets everything the last one had. */
  private replay(): void {
    if (this.view !== undefined || this.askers.length > 0) {
      this.post({
        kind: 'state',
        gen: this.gen,
        ...(this.view === undefined ? {} : { view: this.view }),
        askers: this.askers,
      });
    }
    for (const [addr, l] of this.listens) {
      this.post({ kind: 'listen', addr, port: l.port, ...(l.netns === undefined ? {} : { netns: l.netns }) });
    }
  }

  private onExit(worker: Worker, code: number): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    const err = new Error(`the resolver thread exited (${code}) before it ran`);
    if (this.ready !== undefined) {
      // It never ran: the agent is told at start, not left with a DNS that cannot come up.
      this.ready.reject(err);
      this.ready = undefined;
      if (this.restarted === 0) return;
    }
    if (this.closed) return;
    for (const l of this.listens.values()) l.bound = false;
    if (Date.now() - this.startedAt > STABLE_MS) this.restartsInARow = 0;
    const delay = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** this.restartsInARow);
    this.restartsInARow++;
    this.log.error({ code, inMs: delay }, 'dns: the resolver thread stopped; starting it again');
    this.restartTimer = setTimeout(() => {
      this.restarted++;
      this.spawn().catch((e: unknown) =>
        this.log.error({ err: e }, 'dns: the resolver thread did not start'),
      );
    }, delay);
  }
}

function sameAskers(a: readonly [string, string[]][], b: readonly [string, string[]][]): boolean {
  if (a.length !== b.length) return false;
  return a.every(([addr, ids], i) => {
    const o = b[i];
    return (
      o !== undefined && o[0] === addr && o[1].length === ids.length && o[1].every((x, j) => x === ids[j])
    );
  });
}
