/**
 * The node's data plane (TaskNetworking): one change at a time, planned (pure) against an in-memory model
 * of what is applied, run as batches, with failures pinned on the task (or overlay) a failing line was
 * for. A failed task's half-built namespace is removed by planning again without it; it is retried on its
 * own with backoff (200 ms doubling to 5 s). The model is observed at start and again after any failure.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { WireTask } from '../../proto/control-types.ts';
import type { NetworkView } from '../../proto/dispatcher-types.ts';
import { IpRunner, type BatchRunner } from './ip-runner.ts';
import { parseNetns, shortTaskId, taskNetns } from './planner/names.ts';
import { observe } from './observe.ts';
import { nodeRuleset, taskRuleset } from './planner/plan-nft.ts';
import { planChange, type ChangePlan } from './planner/change-plan.ts';
import { desiredModel, type Rulesets } from './planner/desired.ts';
import { emptyModel, type Batch, type NetModel, type Owner, type TaskState } from './planner/model.ts';
import type { SandboxEvent, SandboxUpdate, TaskNetworking, TaskSandbox } from './sandbox.ts';

export interface DataPlaneOptions {
  /** This node's id (to tell local from remote endpoints in the view). */
  nodeId: string;
  /** Prefix of every namespace it creates; it owns exactly the namespaces named `${prefix}-…`. */
  prefix: string;
  /** The node's network namespace by name; undefined = this process's own. */
  nodeNetns?: string;
  log: Logger;
  /** Injectable for tests (e.g. to make one batch fail); default runs the real commands. */
  runner?: BatchRunner;
}

const RULESETS: Rulesets = { task: taskRuleset, node: nodeRuleset };
const RETRY_INITIAL_MS = 200;
const RETRY_MAX_MS = 5000;
/** Each failing round leaves out at least one task or overlay; this bounds a pathological change. */
const MAX_ROUNDS = 8;
const NETNS_ETC = '/etc/netns';
/**
 * Task namespaces built side by side, this many at most: twice the cores, since a lane's processes also
 * wait (on the kernel's rtnl lock, on exec) while another's run.
 */
const CONCURRENT_LANES = 2 * availableParallelism();

interface Pending {
  view: NetworkView;
  tasks: readonly WireTask[];
  waiters: ((u: SandboxUpdate) => void)[];
}

type Fault = { owner: Owner; stderr: string };

interface ExecuteHooks {
  /** Everything the task namespaces' own batches need is in place (the gateway bridge among it). */
  lanesStart(): void;
  /** A task namespace's own batches all succeeded. */
  laneDone(netns: string): void;
}

export class DataPlane implements TaskNetworking {
  private readonly runner: BatchRunner;
  private applied: NetModel = emptyModel();
  private readonly announced = new Map<string, TaskSandbox>();
  private readonly listeners = new Set<(e: SandboxEvent) => void>();
  private pending: Pending | undefined;
  private running: Promise<void> | undefined;
  private last: { view: NetworkView; tasks: readonly WireTask[] } | undefined;
  private retries = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The model a change is building task namespaces for: its node-level part is in place. */
  private building: NetModel | undefined;
  /** Per tool, the processes the current change ran and the time they took (summed over lanes). */
  private spent: Record<string, { runs: number; ms: number }> = {};

  constructor(private readonly o: DataPlaneOptions) {
    this.runner = o.runner ?? new IpRunner();
  }

  /** Observes what exists under the prefix: the applied model the first update plans against. */
  async start(): Promise<void> {
    this.applied = await observe(this.o.prefix, this.o.nodeNetns);
    this.o.log.info(
      { overlays: this.applied.overlays.size, tasks: this.applied.tasks.size },
      'data plane: observed existing namespaces',
    );
  }

  update(view: NetworkView, tasks: readonly WireTask[]): Promise<SandboxUpdate> {
    this.last = { view, tasks };
    return new Promise(resolve => {
      if (this.pending) {
        this.pending.view = view;
        this.pending.tasks = tasks;
        this.pending.waiters.push(resolve);
      } else {
        this.pending = { view, tasks, waiters: [resolve] };
      }
      this.kick();
    });
  }

  sandbox(taskId: string): TaskSandbox | undefined {
    return this.announced.get(taskId);
  }

  onSandbox(listener: (event: SandboxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Who asks the embedded DNS from where: each local sandbox's eth1 address (no prefix) → the networks
   * of its legs. A task's DNS redirect asks from that address (plan-dns-redirect.ts), so it tells the
   * resolver which task asks and what that task may see.
   */
  askers(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const sb of this.announced.values()) {
      const addr = sb.gatewayAddr.split('/')[0] ?? '';
      if (addr !== '')
        out.set(
          addr,
          sb.legs.map(l => l.networkId),
        );
    }
    return out;
  }

  /** The gateway bridge's address (no prefix), where tasks' DNS goes; undefined while there is none. */
  resolverAddress(): string | undefined {
    const addr = (this.building ?? this.applied).node.gatewayBridge?.split('/')[0] ?? '';
    return addr === '' ? undefined : addr;
  }

  /** Stops (no more changes or retries); leaves everything in place for a restarted agent to adopt. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.running;
  }

  /** Removes everything under the prefix and the node-level objects it made. */
  async destroy(): Promise<void> {
    await this.close();
    this.applied = await observe(this.o.prefix, this.o.nodeNetns);
    const target = emptyModel();
    target.node.ipForward = true; // not ours to turn off: it may have been on before
    const plan = planChange(this.applied, target, { prefix: this.o.prefix, nodeNetns: this.o.nodeNetns });
    await this.execute(plan);
    this.applied = target;
    this.removeEtcNetnsRoot();
  }

  private emit(e: SandboxEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.o.log.error({ err }, 'data plane: sandbox listener threw');
      }
    }
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.pending) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const p = this.pending;
      this.pending = undefined;
      let result: SandboxUpdate;
      if (this.closed) {
        result = { ready: [], failed: new Map(p.tasks.map(t => [t.id, 'the data plane is closed'])) };
      } else {
        try {
          result = await this.change(p.view, p.tasks);
        } catch (err) {
          this.o.log.error({ err }, 'data plane: change failed');
          this.applied = await observe(this.o.prefix, this.o.nodeNetns);
          result = { ready: [], failed: new Map(p.tasks.map(t => [t.id, String(err)])) };
          this.scheduleRetry(true);
        }
      }
      for (const w of p.waiters) w(result);
    }
  }

  private async change(view: NetworkView, tasks: readonly WireTask[]): Promise<SandboxUpdate> {
    const names = { prefix: this.o.prefix, nodeNetns: this.o.nodeNetns };
    const failed = new Map<string, string>();
    let runFailed = false;
    const skipTasks = new Set<string>();
    const skipVnis = new Set<number>();
    const byShort = new Map(tasks.map(t => [shortTaskId(t.id), t]));
    let done = false;
    for (let round = 0; round < MAX_ROUNDS && !done; round++) {
      const desired = desiredModel({
        view,
        tasks,
        nodeId: this.o.nodeId,
        applied: this.applied,
        rulesets: RULESETS,
        skipTasks,
        skipVnis,
      });
      for (const [id, why] of desired.invalid) failed.set(id, why);
      const plan = planChange(this.applied, desired.model, names);
      const started = Date.now();
      const fault = await this.execute(plan, {
        lanesStart: () => (this.building = desired.model),
        laneDone: netns => {
          const own = parseNetns(this.o.prefix, netns);
          const st = own?.kind === 'task' ? desired.model.tasks.get(own.shortId) : undefined;
          const t = own?.kind === 'task' ? byShort.get(own.shortId) : undefined;
          if (st && t && !this.announced.has(t.id)) this.announce(sandboxOf(this.o.prefix, t, st));
        },
      });
      this.building = undefined;
      // What a change cost (bench/node-density.ts prints it): its processes and wall time per tool.
      this.o.log.info(
        {
          added: plan.addedTasks.length,
          removed: plan.removedTasks.length,
          ms: Date.now() - started,
          tools: this.spent,
          failed: fault !== undefined,
        },
        'data plane: change applied',
      );
      this.spent = {};
      if (!fault) {
        this.applied = desired.model;
        done = true;
        break;
      }
      runFailed = true;
      this.applied = await observe(this.o.prefix, this.o.nodeNetns);
      const { owner, stderr } = fault;
      if (owner.kind === 'task') {
        const t = byShort.get(owner.shortId);
        if (t) {
          failed.set(t.id, stderr);
          skipTasks.add(t.id);
        }
      } else if (owner.kind === 'overlay') {
        skipVnis.add(owner.vni);
        for (const t of desired.model.tasks.values()) {
          if (t.legs.some(l => l.vni === owner.vni)) failed.set(t.taskId, stderr);
        }
      } else {
        // Node-level: nothing is pinned on a task; leave what exists and try the whole change again later.
        for (const t of tasks) if (!this.applied.tasks.has(shortTaskId(t.id))) failed.set(t.id, stderr);
        break;
      }
    }
    this.scheduleRetry(runFailed);

    const ready: TaskSandbox[] = [];
    for (const t of tasks) {
      const st = this.applied.tasks.get(shortTaskId(t.id));
      if (!st || failed.has(t.id)) continue;
      const sb = sandboxOf(this.o.prefix, t, st);
      ready.push(sb);
      if (!this.announced.has(t.id)) this.announce(sb);
    }
    return { ready, failed };
  }

  private announce(sb: TaskSandbox): void {
    this.announced.set(sb.taskId, sb);
    this.emit({ kind: 'added', sandbox: sb });
  }

  /** Retries a failed change with backoff while tasks keep failing; a clean change resets it. */
  private scheduleRetry(failed: boolean): void {
    if (!failed) {
      this.retries = 0;
      return;
    }
    if (this.closed) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const delay = Math.min(RETRY_MAX_MS, RETRY_INITIAL_MS * 2 ** Math.min(this.retries, 10));
    this.retries++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.last && !this.closed) void this.update(this.last.view, this.last.tasks);
    }, delay);
    this.retryTimer.unref();
  }

  /**
   * Runs a plan's batches; stops at the first failure that is not best effort. Every batch outside the
   * task namespaces runs first, in plan order (removals, namespaces, the node's and the overlays' links,
   * FDB, sysctls, the node's nft: nothing there needs a task's own batches). Then the batches that build
   * task namespaces (each task's `ip` batch, then its `nft`) run as one lane per task, up to
   * CONCURRENT_LANES lanes at once; `hooks.lanesStart` is called before them and `hooks.laneDone` as
   * each lane succeeds, so that its task may start while the others are built.
   */
  private async execute(plan: ChangePlan, hooks?: ExecuteHooks): Promise<Fault | undefined> {
    for (const r of plan.removedTasks) {
      const had = [...this.announced.values()].find(s => shortTaskId(s.taskId) === r.shortId);
      if (had) {
        this.announced.delete(had.taskId);
        this.emit({ kind: 'removed', taskId: had.taskId, netns: r.netns });
      }
      rmSync(`${NETNS_ETC}/${r.netns}`, { recursive: true, force: true });
    }
    for (const id of plan.addedTasks) {
      const dir = `${NETNS_ETC}/${taskNetns(this.o.prefix, id)}`;
      if (!existsSync(`${dir}/resolv.conf`)) {
        mkdirSync(dir, { recursive: true });
        // `search .`: no search domain, not one guessed from the hostname (`web.1.<id>` would make busybox's
        // nslookup ask for `web.1.<id>` when asked for `web`).
        writeFileSync(`${dir}/resolv.conf`, 'nameserver 127.0.0.11\nsearch .\noptions ndots:0\n');
        // Readable by the task's users, whatever shoald's umask (private, for its data folder).
        chmodSync(`${dir}/resolv.conf`, 0o644);
      }
    }
    const { before, lanes } = this.stages(plan.batches);
    for (const group of this.concurrentGroups(before)) {
      const fault = await this.runGroup(group);
      if (fault) return fault;
    }
    if (lanes.length > 0) {
      hooks?.lanesStart();
      const faults: Fault[] = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let lane = lanes[next++]; lane !== undefined; lane = lanes[next++]) {
          let fault: Fault | undefined;
          for (const b of lane) {
            fault = await this.runGroup([b]);
            if (fault) break;
          }
          if (fault) faults.push(fault);
          else if (lane[0]?.netns !== undefined) hooks?.laneDone(lane[0].netns);
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENT_LANES, lanes.length) }, worker));
      return faults[0];
    }
    return undefined;
  }

  /** Runs batches side by side; the first failure that is not best effort, pinned on its owner. */
  private async runGroup(group: readonly Batch[]): Promise<Fault | undefined> {
    const t = Date.now();
    const results = await Promise.all(group.map(b => this.runner.run(b)));
    const spent = (this.spent[group[0]?.tool ?? 'ip'] ??= { runs: 0, ms: 0 });
    spent.runs += group.length;
    spent.ms += Date.now() - t;
    for (const [i, r] of results.entries()) {
      const batch = group[i];
      if (r.ok || batch === undefined) continue;
      if (batch.bestEffort) {
        this.o.log.debug(
          { netns: batch.netns, tool: batch.tool, stderr: r.stderr },
          'data plane: cleanup step failed',
        );
        continue;
      }
      const owner =
        (r.failedLine !== undefined ? batch.owners[r.failedLine - 1] : undefined) ?? batch.owners[0];
      this.o.log.warn(
        { netns: batch.netns, tool: batch.tool, stderr: r.stderr, line: r.failedLine, owner },
        'data plane: batch failed',
      );
      return { owner: owner ?? { kind: 'node' }, stderr: r.stderr };
    }
    return undefined;
  }

  private inTask(b: Batch): boolean {
    return b.netns !== undefined && parseNetns(this.o.prefix, b.netns)?.kind === 'task';
  }

  /** The plan's batches outside the task namespaces (in order), and the lanes: by task namespace, in order. */
  private stages(batches: readonly Batch[]): { before: Batch[]; lanes: Batch[][] } {
    const builds = (lane: Batch[]): boolean => lane.some(b => b.tool === 'ip');
    const before: Batch[] = [];
    const byNetns = new Map<string, Batch[]>();
    for (const b of batches) {
      if (b.bestEffort || b.netns === undefined || !this.inTask(b)) {
        before.push(b);
        continue;
      }
      const lane = byNetns.get(b.netns);
      if (lane) lane.push(b);
      else byNetns.set(b.netns, [b]);
    }
    // Namespaces being built (an `ip` batch) before rulesets replaced in existing ones: a view change
    // (a VIP's backends) replaces every task's, and new tasks must not wait behind them.
    const lanes = [...byNetns.values()];
    return { before, lanes: [...lanes.filter(builds), ...lanes.filter(l => !builds(l))] };
  }

  /**
   * Neighbours that each run inside a different task's namespace taken together (up to
   * CONCURRENT_LANES): a removal's `link del` in each task namespace.
   */
  private concurrentGroups(batches: readonly Batch[]): Batch[][] {
    const groups: Batch[][] = [];
    for (const b of batches) {
      const last = groups.at(-1);
      const first = last?.[0];
      if (
        last !== undefined &&
        first !== undefined &&
        this.inTask(b) &&
        this.inTask(first) &&
        b.tool === first.tool &&
        last.length < CONCURRENT_LANES &&
        !last.some(x => x.netns === b.netns)
      ) {
        last.push(b);
      } else {
        groups.push([b]);
      }
    }
    return groups;
  }

  /** /etc/netns exists only for our resolv.conf files: leave no empty folder behind. */
  private removeEtcNetnsRoot(): void {
    try {
      if (existsSync(NETNS_ETC) && readdirSync(NETNS_ETC).length === 0) rmdirSync(NETNS_ETC);
    } catch {
      // another user of /etc/netns created something meanwhile
    }
  }
}

/** A task's sandbox as the model has it (an observed leg knows no network: the task's own list does). */
function sandboxOf(prefix: string, t: WireTask, st: TaskState): TaskSandbox {
  return {
    taskId: t.id,
    netns: taskNetns(prefix, t.id),
    legs: st.legs.map((l, i) => ({
      networkId: l.networkId !== '' ? l.networkId : (t.networks[i]?.networkId ?? ''),
      ifname: l.ifname,
      addr: l.addr,
    })),
    gatewayAddr: st.gatewayAddr,
  };
}
