/**
 * What runs a node's tasks for real: the data plane (namespaces, overlays, nftables), the embedded DNS
 * at 127.0.0.11 in every task's namespace, and the process executor, wired so that a task starts only
 * once its sandbox exists and its resolver answers (a task that resolves a name first thing must not
 * race its own DNS).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { WireTask } from '../proto/control-types.ts';
import type { NetworkView } from '../proto/dispatcher-types.ts';
import { EmbeddedDns } from './dns/embedded-dns.ts';
import { nodeUpstreams } from './dns/upstreams.ts';
import { ProcessExecutor } from './exec/process-executor.ts';
import { DataPlane } from './network/data-plane.ts';
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

/** The data plane as the executor sees it: a sandbox counts once the DNS serves it too. */
class ServedNetworking implements TaskNetworking {
  private readonly listeners = new Set<(e: SandboxEvent) => void>();

  constructor(
    private readonly plane: DataPlane,
    private readonly dns: EmbeddedDns,
    private readonly log: Logger,
  ) {
    plane.onSandbox(event => {
      if (event.kind === 'removed') {
        dns.removeSandbox(event.taskId);
        this.emit(event);
      } else {
        void this.serve(event.sandbox).then(ok => ok && this.emit(event));
      }
    });
  }

  async update(view: NetworkView, tasks: readonly WireTask[]): Promise<SandboxUpdate> {
    this.dns.setView(view);
    const result = await this.plane.update(view, tasks);
    // Each bind starts a helper process: bind the new sandboxes side by side, not one after another.
    const served = await Promise.all(result.ready.map(sandbox => this.serve(sandbox)));
    return { ready: result.ready.filter((_, i) => served[i] === true), failed: result.failed };
  }

  sandbox(taskId: string): TaskSandbox | undefined {
    return this.dns.serves(taskId) ? this.plane.sandbox(taskId) : undefined;
  }

  onSandbox(listener: (event: SandboxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Binds the resolver in the sandbox unless it is served already; false if that failed. */
  private async serve(sandbox: TaskSandbox): Promise<boolean> {
    if (this.dns.serves(sandbox.taskId)) return true;
    try {
      await this.dns.addSandbox(sandbox);
      return true;
    } catch (err) {
      // A sandbox removed meanwhile needs no resolver; otherwise the task runs without one rather than not at all.
      if (this.plane.sandbox(sandbox.taskId) !== undefined)
        this.log.warn({ err, taskId: sandbox.taskId }, 'dns: cannot serve 127.0.0.11 in the task');
      return true;
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
    private readonly ownedNetns: string | undefined,
  ) {}

  static async start(o: NodeRuntimeOptions): Promise<NodeRuntime> {
    let owned = o.ownsNodeNetns === true ? o.nodeNetns : undefined;
    if (o.nodeNetns !== undefined && !netnsExists(o.nodeNetns)) {
      execFileSync('ip', ['netns', 'add', o.nodeNetns]);
      execFileSync('ip', ['-n', o.nodeNetns, 'link', 'set', 'lo', 'up']);
      owned = o.nodeNetns;
    }
    const plane = new DataPlane({
      nodeId: o.nodeId,
      prefix: o.netnsPrefix ?? 'shoal',
      ...(o.nodeNetns === undefined ? {} : { nodeNetns: o.nodeNetns }),
      log: o.log,
    });
    await plane.start();
    const dns = new EmbeddedDns({ upstreams: o.dns ?? nodeUpstreams(), log: o.log });
    const networking = new ServedNetworking(plane, dns, o.log);
    const executor = new ProcessExecutor({ networking, stateDir: join(o.stateDir, 'tasks'), log: o.log });
    return new NodeRuntime(executor, plane, dns, owned);
  }

  /** Stops watching; tasks and their networks stay as they are (a restarted agent adopts them). */
  async close(): Promise<void> {
    this.executor.abandon();
    await this.dns.close();
    await this.plane.close();
  }

  /** Stops every task and removes everything this node made (its namespace too, if it made or owns it). */
  async destroy(): Promise<void> {
    await this.executor.close();
    await this.dns.close();
    await this.plane.destroy();
    if (this.ownedNetns !== undefined) execFileSync('ip', ['netns', 'del', this.ownedNetns]);
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
