/**
 * docker's convergence progress for `service create|update|scale` without `--detach` (docker/cli's
 * `service/progress`), as a pure model: each poll gives it the time, the service, its tasks and the
 * nodes, and it says which lines to show and whether to stop. No I/O and no clock of its own.
 *
 * Lines are keyed as docker's progress stream keys them (`overall progress`, `1/3` or a short node ID,
 * `verify`, `rollback`), in the order they first appear; a key's later text replaces its earlier one.
 * `renderFrame` turns them into text; the command redraws them on a terminal and, on a pipe, prints
 * failures as they appear and the last frame once (see `ProgressPrinter`).
 */
import type { WireService, WireTask } from '../../proto/control-types.ts';
import type { WireNode } from './daemon-client.ts';
import { shortId } from './format.ts';
import { fullSpec } from './service-spec.ts';
import { jsonEqual } from '../../lib/json-equal.ts';

/** docker's `numberedStates`: the progress a state stands for; the last four only order terminal states. */
const NUMBERED_STATES: Readonly<Record<string, number>> = {
  new: 1,
  allocated: 2,
  pending: 3,
  assigned: 4,
  accepted: 5,
  preparing: 6,
  ready: 7,
  starting: 8,
  running: 9,
  complete: 10,
  shutdown: 11,
  failed: 12,
  rejected: 13,
};

const MAX_PROGRESS = 9;
/** Above this many replicas (or nodes) docker draws no line per task. */
const MAX_PROGRESS_BARS = 20;
/** The longest non-terminal state name (with `complete`, as docker counts it): states are padded to it. */
const LONGEST_STATE = 9;
/** docker's bar is 50 characters wide, plus its `>`. */
const BAR_WIDTH = 50;
/** docker waits this long before `Service converged` unless the spec's update monitor says otherwise. */
export const DEFAULT_MONITOR_MS = 5000;

function numbered(state: string): number {
  return NUMBERED_STATES[state] ?? 0;
}

function terminalState(state: string): boolean {
  return numbered(state) > NUMBERED_STATES.running!;
}

/** docker's `truncError`: newlines become spaces, more than 75 bytes are cut to 74 and an ellipsis. */
export function truncError(err: string): string {
  const flat = err.replaceAll('\n', ' ');
  const bytes = Buffer.from(flat);
  if (bytes.length <= 75) return flat;
  // Cut on a character boundary at or before byte 74.
  let cut = '';
  for (const ch of flat) {
    if (Buffer.byteLength(cut + ch) > 74) break;
    cut += ch;
  }
  return `${cut}…`;
}

/**
 * One task's line text: its state padded to docker's width and its bar (`running   [=====…>]`), or its
 * error. Undefined when docker draws nothing for it (a task meant to stop, or stopped without error).
 */
export function taskLineText(task: Pick<WireTask, 'desiredState' | 'status'>): string | undefined {
  if (task.status.err !== '') return truncError(task.status.err);
  if (terminalState(task.desiredState) || terminalState(task.status.state)) return undefined;
  const filled = Math.min(
    BAR_WIDTH,
    Math.trunc(Math.trunc((numbered(task.status.state) / MAX_PROGRESS) * 100) / 2),
  );
  const bar = `[${'='.repeat(filled)}>${' '.repeat(BAR_WIDTH - filled)}]`;
  return `${task.status.state.padEnd(LONGEST_STATE)} ${bar}`;
}

/**
 * docker's `_up-to-date` task filter, from what the client sees: the task carries the service's task
 * template and is attached to every network the spec names (ingress may come on top).
 */
export function isUpToDate(task: WireTask, service: WireService): boolean {
  if (service.spec.task !== null && !jsonEqual(task.spec, service.spec.task)) return false;
  const attached = new Set(task.networks.map(n => n.networkId));
  return service.spec.networks.every(id => attached.has(id));
}

/**
 * docker's choice among tasks sharing a key (a slot, or a node): the lowest desired state, then the
 * lowest observed state; tasks with states docker does not know are skipped.
 */
function pickByKey<K>(tasks: readonly WireTask[], key: (t: WireTask) => K, keep: (t: WireTask) => boolean) {
  const byKey = new Map<K, WireTask>();
  for (const t of tasks) {
    if (numbered(t.desiredState) === 0 || numbered(t.status.state) === 0) continue;
    const existing = byKey.get(key(t));
    if (existing !== undefined) {
      const [ed, td] = [numbered(existing.desiredState), numbered(t.desiredState)];
      if (ed < td) continue;
      if (ed === td && numbered(existing.status.state) <= numbered(t.status.state)) continue;
    }
    if (!keep(t)) continue;
    byKey.set(key(t), t);
  }
  return byKey;
}

/** One poll's view of the cluster. */
export interface ProgressInput {
  nowMs: number;
  service: WireService;
  tasks: readonly WireTask[];
  nodes: readonly WireNode[];
}

/** What a poll decided: keep polling, stop (converged, or the update ended), or fail with docker's message. */
export type ProgressOutcome = { kind: 'wait' } | { kind: 'done' } | { kind: 'failed'; message: string };

/** The progress of one service's convergence, fed poll by poll (docker's `ServiceProgress` loop body). */
export class ServiceProgress {
  /** Line texts by key, in the order the keys first appeared; `error` marks a task's error. */
  private readonly lines = new Map<string, { text: string; error: boolean }>();
  /** Replicated: slot → position on screen (docker's contiguous slot map). */
  private readonly slotMap = new Map<number, number>();
  private initialized = false;
  /** Converged once already: task lines and the overall count are no longer redrawn. */
  private done = false;
  private converged = false;
  private convergedAt: number | undefined;
  private rollback = false;
  private pendingMessage: string | undefined;

  /** The lines as `key: text`, in order; docker's trailing blanks trimmed. */
  frame(): string[] {
    return [...this.lines].map(([key, { text }]) => `${key}: ${text}`.trimEnd());
  }

  /** The lines of the frame that show a task's error. */
  errors(): string[] {
    return [...this.lines].filter(([, l]) => l.error).map(([key, { text }]) => `${key}: ${text}`);
  }

  private set(key: string, text: string, error = false): void {
    this.lines.set(key, { text, error });
  }

  /** Feeds one poll; says whether to poll again. */
  step(input: ProgressInput): ProgressOutcome {
    const { service } = input;
    const monitor = fullSpec(service.spec).update.monitorMs || DEFAULT_MONITOR_MS;
    const status = service.updateStatus;
    /** The update ended without this model having seen the tasks converge: stop after drawing them. */
    let ended: ProgressOutcome | undefined;
    switch (status?.state) {
      case 'updating':
        this.rollback = false;
        break;
      case 'completed':
        if (!this.converged) ended = { kind: 'done' };
        break;
      case 'paused':
        ended = { kind: 'failed', message: `service update paused: ${status.message}` };
        break;
      case 'rollback_started':
        if (!this.rollback && status.message !== '') this.set('rollback', status.message);
        this.rollback = true;
        break;
      case 'rollback_paused':
        ended = { kind: 'failed', message: `service rollback paused: ${status.message}` };
        break;
      case 'rollback_completed':
        if (!this.converged) this.pendingMessage = status.message;
        this.rollback = true;
        break;
      default:
        break;
    }
    if (
      ended === undefined &&
      this.converged &&
      this.convergedAt !== undefined &&
      input.nowMs - this.convergedAt >= monitor
    ) {
      this.set('verify', 'Service converged');
      if (this.pendingMessage !== undefined) this.set('rollback', this.pendingMessage);
      return { kind: 'done' };
    }

    // The tasks are drawn from this poll even when it ends the progress: the service is read before the
    // tasks, so they are at least as recent as the update status that ended it.
    const tasks = input.tasks.filter(t => t.serviceId === service.id && isUpToDate(t, service));
    const active = new Set(input.nodes.filter(n => n.status !== 'down').map(n => n.id));
    this.converged =
      service.spec.mode === 'global'
        ? this.updateGlobal(tasks, active)
        : this.updateReplicated(service, tasks, active);

    if (ended !== undefined) {
      // An update monitor shorter than a poll can complete between two polls, before this model saw every
      // task run: the managers only complete it once its tasks ran for the monitor period, which is the
      // verification docker's client waits for. Otherwise (a task failed since) docker stops as it is.
      if (ended.kind === 'done' && this.converged) this.set('verify', 'Service converged');
      return ended;
    }
    if (this.converged) {
      this.convergedAt ??= input.nowMs;
      const wait = monitor - (input.nowMs - this.convergedAt);
      if (wait >= 0) {
        // docker's `wait/time.Second+1`, its clock having always moved a little since `convergedAt`.
        const seconds = Math.max(1, Math.ceil(wait / 1000));
        this.set('verify', `Waiting ${seconds} seconds to verify that tasks are stable...`);
      }
    } else {
      if (this.convergedAt !== undefined) this.set('verify', 'Detected task failure');
      this.convergedAt = undefined;
    }
    return { kind: 'wait' };
  }

  private overall(running: number, total: number): void {
    const counts = `${running} out of ${total} tasks`;
    this.set('overall progress', this.rollback ? `rolling back update: ${counts}` : counts);
  }

  private updateReplicated(
    service: WireService,
    tasks: readonly WireTask[],
    active: ReadonlySet<string>,
  ): boolean {
    const replicas = service.spec.replicas;
    if (!this.initialized) {
      this.overall(0, replicas);
      if (replicas <= MAX_PROGRESS_BARS) for (let i = 1; i <= replicas; i++) this.set(`${i}/${replicas}`, '');
      this.initialized = true;
    }
    const bySlot = pickByKey(
      tasks,
      t => t.slot,
      t => t.nodeId === '' || active.has(t.nodeId),
    );
    if (this.done && [...bySlot.values()].some(t => t.status.state !== 'running')) this.done = false;
    let running = 0;
    // Slots get screen positions in slot order (docker's order is a Go map's: random).
    for (const [slot, task] of [...bySlot].sort(([a], [b]) => a - b)) {
      let mapped = this.slotMap.get(slot);
      if (mapped === undefined) {
        mapped = this.slotMap.size + 1;
        this.slotMap.set(slot, mapped);
      }
      if (!terminalState(task.desiredState) && task.status.state === 'running') running++;
      if (this.done || replicas > MAX_PROGRESS_BARS || mapped > replicas) continue;
      const text = taskLineText(task);
      if (text !== undefined) this.set(`${mapped}/${replicas}`, text, task.status.err !== '');
    }
    if (!this.done) {
      this.overall(running, replicas);
      if (running === replicas) this.done = true;
    }
    return running === replicas;
  }

  private updateGlobal(tasks: readonly WireTask[], active: ReadonlySet<string>): boolean {
    const byNode = pickByKey(
      tasks,
      t => t.nodeId,
      () => true,
    );
    const nodeCount = byNode.size;
    if (!this.initialized) {
      if (nodeCount === 0) {
        // The orchestrator has not made the tasks yet, or no node matches: docker waits either way.
        this.set('overall progress', 'waiting for new tasks');
        return false;
      }
      this.overall(0, nodeCount);
      this.initialized = true;
    }
    if (this.done && [...byNode.values()].some(t => t.status.state !== 'running')) this.done = false;
    let running = 0;
    for (const [nodeId, task] of [...byNode].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!active.has(nodeId)) continue;
      if (!terminalState(task.desiredState) && task.status.state === 'running') running++;
      if (this.done || nodeCount > MAX_PROGRESS_BARS) continue;
      const text = taskLineText(task);
      if (text !== undefined) this.set(shortId(nodeId, true), text, task.status.err !== '');
    }
    if (!this.done) {
      this.overall(running, nodeCount);
      if (running === nodeCount) this.done = true;
    }
    return running === nodeCount;
  }
}

/** ANSI: cursor up `n` lines; erase the whole line. */
const up = (n: number): string => `\x1b[${n}A`;
const ERASE_LINE = '\x1b[2K';

/**
 * How progress reaches the user. On a terminal every poll redraws the frame in place (cursor up, erase,
 * rewrite), as docker's JSON-message display does. Anywhere else (a pipe, a file, tests) there is no
 * cursor to move and docker shows its bars not at all; Shoal instead prints each task error once when it
 * first appears (so a log shows why the command still waits) and the final frame once, when it stops.
 */
export class ProgressPrinter {
  private shown = 0;
  private readonly errorsShown = new Set<string>();

  constructor(
    private readonly out: (s: string) => void,
    private readonly tty: boolean,
  ) {}

  /** After a poll that goes on: redraw (terminal) or print new error lines (elsewhere). */
  update(lines: readonly string[], errorLines: readonly string[]): void {
    if (this.tty) {
      this.redraw(lines);
      return;
    }
    for (const line of errorLines) {
      if (this.errorsShown.has(line)) continue;
      this.errorsShown.add(line);
      this.out(`${line}\n`);
    }
  }

  /** The last frame, when the progress stops. */
  finish(lines: readonly string[]): void {
    if (this.tty) this.redraw(lines);
    else this.out(lines.map(l => `${l}\n`).join(''));
  }

  private redraw(lines: readonly string[]): void {
    let s = this.shown > 0 ? up(this.shown) : '';
    for (const line of lines) s += `\r${ERASE_LINE}${line}\n`;
    this.shown = lines.length;
    this.out(s);
  }
}

// ---- the polling loop (I/O) ----

/** What `waitOnService` needs of the daemon (a `DaemonClient`, or a fake). */
export interface ProgressSource {
  getService(ref: string): Promise<WireService>;
  listTasks(filters: { serviceIds: string[] }): Promise<WireTask[]>;
  listNodes(): Promise<WireNode[]>;
}

export interface WaitOptions {
  out: (s: string) => void;
  /** Redraw in place (a terminal) or print the final frame once (anything else). */
  tty: boolean;
  /** `--quiet`: wait, print nothing. */
  quiet: boolean;
  /** Between polls; docker polls every 200 ms, Shoal every 100 ms. */
  pollMs?: number;
}

/**
 * docker's `waitOnService`: polls the service, its tasks and the nodes until the model stops. Resolves
 * when converged (or the update ended); throws `Error` with docker's message when the update paused.
 */
export async function waitOnService(d: ProgressSource, serviceId: string, opts: WaitOptions): Promise<void> {
  const model = new ServiceProgress();
  const printer = new ProgressPrinter(opts.quiet ? () => undefined : opts.out, opts.tty);
  for (;;) {
    const service = await d.getService(serviceId);
    const [tasks, nodes] = await Promise.all([d.listTasks({ serviceIds: [service.id] }), d.listNodes()]);
    const outcome = model.step({ nowMs: Date.now(), service, tasks, nodes });
    if (outcome.kind !== 'wait') {
      printer.finish(model.frame());
      if (outcome.kind === 'failed') throw new Error(outcome.message);
      return;
    }
    printer.update(model.frame(), model.errors());
    await new Promise(resolve => setTimeout(resolve, opts.pollMs ?? 100));
  }
}
