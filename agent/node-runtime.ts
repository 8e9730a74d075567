/**
 * What runs a node's tasks for real: the data plane (namespaces, overlays, nftables), the embedded DNS
 * (one resolver per node, in a thread of its own, listening on the gateway bridge; each task's
 * 127.0.0.11:53 is redirected to it by the task's own rules) and the process executor, wired so that a
 * task starts only once its sandbox exists and the resolver knows it (a task that resolves a name first
 * thing must not race its own DNS). Nothing on that path is per task beyond the sandbox's own batches:
 * the resolver is up before any task, and the wait for it is bounded.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { WireTask } from '../proto/control-types.ts';
import type { NetworkView } from '../proto/dispatcher-types.ts';
import { EmbeddedDns } from './dns/embedded-dns.ts';
import { killLeftoverHelpers } from './dns/leftover-helpers.ts';
import { nodeUpstreams } from './dns/upstreams.ts';
import { ProcessExecutor } from './exec/process-executor.ts';
import { DataPlane } from './network/data-plane.ts';
import { parseNetns } from './network/planner/names.ts';
import { DNS_PORT } from './network/planner/plan-dns-redirect.ts';
import type { SandboxEvent, SandboxUpdate, TaskNetworking, TaskSandbox } from './network/sandbox.ts';

export interface NodeRuntimeOptions {
  nodeId: string;
  /** Per-task state and logs live under it. */
  stateDir: string;
  /** Prefix of every namespace the data plane makes. @default 'shoal' */
  netnsPrefix?: string;
  /** The node's own network namespace, by name (created if missing); undefined = this process's. */
  nodeNetns?: string;
  /**
   * `destroy()` removes the node's namespace even when it existed already: npm start's, left by a run of
   * it that was killed. @default false: only if this runtime made it
   */
  ownsNodeNetns?: boolean;
  /** Upstream resolvers (ip or ip:port) for names the cluster does not own. @default the node's resolv.conf */
  dns?: string[];
  log: Logger;
}

/** Why this process cannot run tasks, or undefined if it can (root with iproute2 and nftables). */
export function cannotRunTasks(): string | undefined {
  if (process.getuid?.() !== 0) return 'running tasks needs CAP_NET_ADMIN: start shoald as root';
  for (const tool of [
    ['ip', '-V'],
    ['nft', '--version'],
    ['unshare', '--version'],
  ] as const) {
    try {
      execFileSync(tool[0], [tool[1]], { stdio: 'ignore' });
    } catch {
      return `running tasks needs ${tool[0]} (iproute2, nftables, util-linux)`;
    }
  }
  return undefined;
}

/** How long a task may be held back for the resolver thread to take a change (it is being restarted). */
const SYNC_TIMEOUT_MS = 2000;
/** Binding the resolver again after it could not be bound. */
const LISTEN_RETRY_MS = 1000;

/**
 * The data plane as the executor sees it: a sandbox counts once the resolver knows its task (its eth1
 * address and networks, and the view it came with) and listens on the gateway bridge.
 */
class ServedNetworking implements TaskNetworking {
  private readonly listeners = new Set<(e: SandboxEvent) => void>();
  /** Tasks whose sandbox is handed on: the resolver knows them. */
  private readonly served = new Set<string>();
  /** Sandboxes added by the data plane, not handed on yet. */
  private pending: TaskSandbox[] = [];
  private draining: Promise<void> | undefined;
  /** The address the resolver listens on (the gateway bridge's), once it does. */
  private listeningOn: string | undefined;
  private listenRetry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly plane: DataPlane,
    private readonly dns: EmbeddedDns,
    /** Where the resolver's sockets are bound: the node's namespace when this process is not in it. */
    private readonly bindNetns: string | undefined,
    private readonly log: Logger,
  ) {
    plane.onSandbox(event => {
      if (event.kind === 'removed') {
        this.served.delete(event.taskId);
        this.pending = this.pending.filter(s => s.taskId !== event.taskId);
        this.dns.setAskers(this.plane.askers());
        this.emit(event);
      } else {
        this.pending.push(event.sandbox);
        void this.handOn();
      }
    });
  }

  async update(view: NetworkView, tasks: readonly WireTask[]): Promise<SandboxUpdate> {
    this.dns.setView(view);
    const result = await this.plane.update(view, tasks);
    await this.handOn();
    return { ready: result.ready.filter(s => this.served.has(s.taskId)), failed: result.failed };
  }

  sandbox(taskId: string): TaskSandbox | undefined {
    return this.served.has(taskId) ? this.plane.sandbox(taskId) : undefined;
  }

  onSandbox(listener: (event: SandboxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Makes the resolver listen on the gateway bridge's address, once the bridge exists (at start when an
   * earlier agent built it, else with the first sandboxes). A failure is logged and retried; tasks are
   * not held back by it (they run without DNS rather than not at all).
   */
  async listen(): Promise<void> {
    const addr = this.plane.resolverAddress();
    if (this.closed || addr === undefined || addr === this.listeningOn) return;
    clearTimeout(this.listenRetry);
    if (this.listeningOn !== undefined) this.dns.unlisten(this.listeningOn);
    this.listeningOn = undefined;
    try {
      await this.dns.listen(addr, DNS_PORT, this.bindNetns);
      this.listeningOn = addr;
      this.log.info({ addr, port: DNS_PORT }, 'dns: the resolver listens on the gateway bridge');
    } catch (err) {
      this.log.error({ err, addr }, `dns: cannot listen on ${addr}:${DNS_PORT}; trying again`);
      this.listenRetry = setTimeout(() => void this.listen(), LISTEN_RETRY_MS);
      this.listenRetry.unref();
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.listenRetry);
  }

  /** Hands the pending sandboxes on once the resolver knows them (or after SYNC_TIMEOUT_MS, at most). */
  private handOn(): Promise<void> {
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      await this.listen();
      this.dns.setAskers(this.plane.askers());
      if (!(await this.dns.synced(SYNC_TIMEOUT_MS)))
        this.log.warn({ tasks: batch.length }, 'dns: the resolver thread is behind; tasks start anyway');
      for (const sb of batch) {
        if (this.served.has(sb.taskId) || this.plane.sandbox(sb.taskId) === undefined) continue;
        this.served.add(sb.taskId);
        this.emit({ kind: 'added', sandbox: sb });
      }
    }
  }

  private emit(event: SandboxEvent): void {
    for (const l of this.listeners) l(event);
  }
}

export class NodeRuntime {
  private constructor(
    readonly executor: ProcessExecutor,
    private readonly plane: DataPlane,
    private readonly dns: EmbeddedDns,
    private readonly networking: ServedNetworking,
    private readonly ownedNetns: string | undefined,
  ) {}

  static async start(o: NodeRuntimeOptions): Promise<NodeRuntime> {
    let owned = o.ownsNodeNetns === true ? o.nodeNetns : undefined;
    if (o.nodeNetns !== undefined && !netnsExists(o.nodeNetns)) {
      execFileSync('ip', ['netns', 'add', o.nodeNetns]);
      execFileSync('ip', ['-n', o.nodeNetns, 'link', 'set', 'lo', 'up']);
      owned = o.nodeNetns;
    }
    const prefix = o.netnsPrefix ?? 'shoal';
    const plane = new DataPlane({
      nodeId: o.nodeId,
      prefix,
      ...(o.nodeNetns === undefined ? {} : { nodeNetns: o.nodeNetns }),
      log: o.log,
    });
    await plane.start();
    const killed = killLeftoverHelpers([
      ...ownedNetns(prefix),
      ...(o.nodeNetns === undefined ? [] : [o.nodeNetns]),
    ]);
    if (killed.length > 0)
      o.log.warn({ pids: killed }, 'dns: killed the DNS helpers an earlier agent left in our namespaces');
    const dns = await EmbeddedDns.start({ upstreams: o.dns ?? nodeUpstreams(), log: o.log });
    const bindNetns = o.nodeNetns === undefined || isOwnNetns(o.nodeNetns) ? undefined : o.nodeNetns;
    const networking = new ServedNetworking(plane, dns, bindNetns, o.log);
    // A restarted agent finds the bridge built: its resolver listens before any task is handled.
    await networking.listen();
    const executor = new ProcessExecutor({ networking, stateDir: join(o.stateDir, 'tasks'), log: o.log });
    return new NodeRuntime(executor, plane, dns, networking, owned);
  }

  /** Stops watching; tasks and their networks stay as they are (a restarted agent adopts them). */
  async close(): Promise<void> {
    this.executor.abandon();
    this.networking.close();
    await this.dns.close();
    await this.plane.close();
  }

  /** Stops every task and removes everything this node made (its namespace too, if it made or owns it). */
  async destroy(): Promise<void> {
    await this.executor.close();
    this.networking.close();
    await this.dns.close();
    await this.plane.destroy();
    if (this.ownedNetns !== undefined) execFileSync('ip', ['netns', 'del', this.ownedNetns]);
  }
}

/** The namespaces under /run/netns that the data plane owns (by its prefix). */
function ownedNetns(prefix: string): string[] {
  try {
    return readdirSync('/run/netns').filter(n => parseNetns(prefix, n) !== undefined);
  } catch {
    return [];
  }
}

/** Whether the named namespace is the one this process runs in (shoald started inside it). */
function isOwnNetns(name: string): boolean {
  try {
    const a = statSync('/proc/self/ns/net');
    const b = statSync(`/run/netns/${name}`);
    return a.dev === b.dev && a.ino === b.ino;
  } catch {
    return false;
  }
}

function netnsExists(name: string): boolean {
  try {
    execFileSync('ip', ['netns', 'exec', name, 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
