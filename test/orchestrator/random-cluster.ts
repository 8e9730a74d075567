/**
 * Seeded random runs of a service in a fake cluster (world.ts) for the property tests: a random service
 * (replicated or global, constraints, restart policy, update config), random nodes, then random events
 * (scale, spec changes that may crash, nodes going down, coming back, drained, paused, relabelled, removed,
 * added; tasks failing; time passing) with the invariant checked after every pass; then the faults heal
 * and the cluster settles, and the converged state is judged.
 */
import { SeededRng } from '../../server/raft/rng.ts';
import {
  constraintMatcher,
  isUpToDate,
  reconcileService,
  type OrchestratorInput,
  type OrchestratorResult,
} from '../../server/orchestrator/index.ts';
import { compareTaskStates, type Task } from '../../server/store/index.ts';
import { live, World } from './world.ts';

export type Orchestrator = (input: OrchestratorInput) => OrchestratorResult;

export interface RunResult {
  seed: number;
  /** What broke, first first; empty if nothing did. */
  violations: string[];
  trace: string[];
  stats: { passes: number; created: number; global: boolean; scaledDown: boolean; updates: number };
}

const ZONES = ['a', 'b'];

function slotKey(task: Task, global: boolean): string {
  return global ? task.nodeId : String(task.slot);
}

/** The invariant at every pass: a slot never has two live tasks (but a start-first pair of two specs). */
function liveSlotProblem(w: World, global: boolean): string | undefined {
  const bySlot = new Map<string, Task[]>();
  for (const task of w.tasks.values()) {
    if (!live(task)) continue;
    const key = slotKey(task, global);
    bySlot.set(key, [...(bySlot.get(key) ?? []), task]);
  }
  for (const [key, tasks] of bySlot) {
    if (tasks.length === 1) continue;
    const [a, b] = tasks;
    const pair =
      tasks.length === 2 &&
      a !== undefined &&
      b !== undefined &&
      JSON.stringify(a.spec) !== JSON.stringify(b.spec);
    if (!pair) return `slot ${key} has ${tasks.length} live tasks: ${tasks.map(t => t.id).join(', ')}`;
  }
  return undefined;
}

/** Runs seed `seed` with `orchestrator`; `trace` keeps the events (always kept; printed on replay). */
export function runCluster(seed: number, orchestrator: Orchestrator = reconcileService): RunResult {
  const rng = new SeededRng(seed);
  const trace: string[] = [];
  const violations: string[] = [];
  const global = rng.chance(0.35);
  const replicas = rng.int(7);
  const w = new World(global ? { mode: { global: {} } } : { mode: { replicated: { replicas } } });
  w.orchestrate = orchestrator;
  const conditions = ['any', 'any', 'on-failure', 'none'] as const;
  w.service.spec.task.restart = {
    condition: rng.pick(conditions),
    delayMs: rng.pick([0, 100, 1000, 3000]),
    maxAttempts: rng.pick([0, 0, 1, 3, 7]),
  };
  if (rng.chance(0.4)) w.service.spec.task.constraints = [`node.labels.zone==${rng.pick(ZONES)}`];
  const newUpdateConfig = (): World['service']['spec']['update'] => ({
    parallelism: rng.int(4),
    delayMs: rng.pick([0, 200, 1000]),
    failureAction: rng.pick(['pause', 'continue', 'rollback'] as const),
    monitorMs: rng.pick([0, 500, 2000]),
    maxFailureRatio: rng.pick([0, 0, 0.25, 0.5]),
    order: rng.pick(['stop-first', 'start-first'] as const),
  });
  w.service.spec.update = newUpdateConfig();
  w.startDelayMs = rng.pick([0, 0, 100, 400]);
  let nodeSeq = 0;
  const addNode = (): void => {
    const id = `n${++nodeSeq}`;
    w.addNode(id, { labels: { zone: rng.pick(ZONES) } });
    trace.push(`add ${id} zone=${w.nodes.get(id)?.spec.labels['zone']}`);
  };
  for (let i = 1 + rng.int(5); i > 0; i--) addNode();
  trace.push(
    `service ${JSON.stringify({ mode: w.service.spec.mode, restart: w.service.spec.task.restart, constraints: w.service.spec.task.constraints, update: w.service.spec.update, startDelayMs: w.startDelayMs })}`,
  );

  let version = 1;
  const crashing = new Set<string>();
  w.crashes = task => crashing.has(task.spec.env.join());
  let scaledDown = false;
  let updates = 0;
  let passes = 0;
  let lastReplicas = replicas;
  const observe = (): void => {
    passes++;
    // A rollback restores the whole previous spec, replica count included: follow the spec.
    const mode = w.service.spec.mode;
    if ('replicated' in mode) {
      if (mode.replicated.replicas < lastReplicas) scaledDown = true;
      lastReplicas = mode.replicated.replicas;
    }
    if (violations.length > 0) return;
    const problem = liveSlotProblem(w, global);
    if (problem !== undefined) violations.push(`t=${w.now}: ${problem}`);
  };

  const nodeIds = (): string[] => [...w.nodes.keys()];
  for (let step = 0; step < 30 && violations.length === 0; step++) {
    const roll = rng.int(100);
    const ids = nodeIds();
    if (roll < 12 && !global) {
      const next = rng.int(9);
      w.scale(next);
      trace.push(`scale ${next}`);
    } else if (roll < 24) {
      version++;
      const env = [`V=${version}`];
      if (rng.chance(0.35)) crashing.add(env.join());
      updates++;
      const update = rng.chance(0.3) ? newUpdateConfig() : w.service.spec.update;
      w.updateSpec(spec => ({ ...spec, update, task: { ...spec.task, env } }));
      trace.push(
        `deploy ${env.join()}${crashing.has(env.join()) ? ' (crashes)' : ''} ${JSON.stringify(update)}`,
      );
    } else if (roll < 50 && ids.length > 0) {
      const id = rng.pick(ids);
      const what = rng.pick([
        'down',
        'ready',
        'ready',
        'drain',
        'pause',
        'active',
        'relabel',
        'remove',
      ] as const);
      if (what === 'down' || what === 'ready') w.setNode(id, { state: what });
      else if (what === 'relabel') w.setNode(id, { labels: { zone: rng.pick(ZONES) } });
      else if (what === 'remove') w.removeNode(id);
      else w.setNode(id, { availability: what });
      trace.push(`node ${id} ${what}`);
    } else if (roll < 55) {
      addNode();
    } else if (roll < 70) {
      const running = [...w.tasks.values()].filter(t => live(t) && t.status.state === 'running');
      if (running.length > 0) {
        const task = rng.pick(running);
        const state = rng.pick(['failed', 'complete', 'shutdown', 'rejected'] as const);
        w.setState(task.id, state);
        trace.push(`t=${w.now} ${task.id} ${state}`);
      }
    }
    const ms = rng.pick([0, 100, 500, 2000, 6000]);
    w.runFor(ms, 100, observe);
    trace.push(
      `  ran ${ms} ms → t=${w.now}: ${w
        .liveTasks()
        .map(t => `${t.id}/${slotKey(t, global)}/${t.status.state}`)
        .join(' ')}`,
    );
  }

  // Heal: every node reachable again, nothing crashes, tasks start at once; then let it settle.
  for (const id of nodeIds()) w.setNode(id, { state: 'ready' });
  crashing.clear();
  w.startDelayMs = 0;
  trace.push('heal');
  try {
    w.runFor(1000, 100, observe);
    w.settle(w.now + 24 * 3_600_000, 5000);
  } catch (err) {
    violations.push(`no convergence: ${String(err)}`);
  }
  observe();
  if (violations.length === 0) judge(w, global, lastReplicas, scaledDown, violations);
  trace.push(
    `end t=${w.now}: ${w
      .liveTasks()
      .map(t => `${t.id}/${slotKey(t, global)}/${t.status.state}`)
      .join(' ')}`,
  );
  trace.push(`status ${JSON.stringify(w.service.updateStatus)}`);
  const created = w.results.reduce((n, r) => n + r.taskChanges.filter(c => c.kind === 'create').length, 0);
  return { seed, violations, trace, stats: { passes, created, global, scaledDown, updates } };
}

/** The converged state: slots, tasks per node, history, update status. */
function judge(w: World, global: boolean, replicas: number, scaledDown: boolean, violations: string[]): void {
  const liveTasks = standing(w.liveTasks(), global, violations);
  const spec = w.service.spec;
  const status = w.service.updateStatus?.state;
  // An update waits for its tasks to start: it may stay in progress only while some task cannot (no node).
  const stuck = w.liveTasks().some(t => compareTaskStates(t.status.state, 'running') < 0);
  if ((status === 'updating' || status === 'rollback_started') && !stuck) {
    violations.push(`update still ${status}`);
  }
  const final = w.pass();
  if (final.taskChanges.length > 0 || final.serviceChange !== undefined) {
    violations.push(`not converged: ${JSON.stringify(final)}`);
  }
  const target = {
    spec: spec.task,
    networkIds: spec.networks.map(n => n.target),
    endpoint: w.service.endpoint,
  };
  if (!global) {
    const slots = liveTasks.map(t => t.slot);
    if (liveTasks.length !== replicas) violations.push(`${liveTasks.length} live tasks, want ${replicas}`);
    if (new Set(slots).size !== slots.length) violations.push(`a slot twice: ${slots.join(',')}`);
    if (!scaledDown && slots.join() !== Array.from({ length: replicas }, (_, i) => i + 1).join()) {
      violations.push(`slots ${slots.join(',')} are not 1..${replicas}`);
    }
    const usable = [...w.nodes.values()].some(n => n.spec.availability === 'active' && matchesSpec(w, n.id));
    for (const task of liveTasks) {
      if (
        task.nodeId === ''
          ? usable
          : !w.nodes.has(task.nodeId) || w.nodes.get(task.nodeId)?.spec.availability === 'drain'
      ) {
        violations.push(`task ${task.id} on ${task.nodeId || 'no node'} though nodes are usable`);
      }
    }
    if (status === 'completed' || status === 'rollback_completed') {
      // Every slot was tried: it runs the spec, or a task of the spec failed there (left to the restart policy).
      for (const task of liveTasks) {
        const tried = [...w.tasks.values()].some(
          t => t.slot === task.slot && isUpToDate(t, target) && t.status.state !== 'running',
        );
        if (!isUpToDate(task, target) && !tried) {
          violations.push(`update ${status} but task ${task.id} is out of date`);
        }
      }
    }
  } else {
    for (const node of w.nodes.values()) {
      const here = liveTasks.filter(t => t.nodeId === node.id).length;
      const matching = matchesSpec(w, node.id);
      const want =
        node.spec.availability === 'drain' || !matching
          ? [0]
          : node.spec.availability === 'pause'
            ? [0, 1]
            : [1];
      if (!want.includes(here))
        violations.push(
          `node ${node.id} (${node.spec.availability}, matching ${matching}) has ${here} live tasks`,
        );
    }
    for (const task of w.tasks.values()) {
      if (!w.nodes.has(task.nodeId)) violations.push(`task ${task.id} left on removed node ${task.nodeId}`);
    }
  }
  const perSlot = new Map<string, number>();
  for (const task of w.tasks.values()) {
    const key = slotKey(task, global);
    perSlot.set(key, (perSlot.get(key) ?? 0) + 1);
  }
  const keep = Math.max(5, spec.task.restart.maxAttempts + 1);
  for (const [key, count] of perSlot) {
    if (count > keep) violations.push(`slot ${key} keeps ${count} tasks (limit ${keep})`);
  }
}

/**
 * One live task per slot: the slot's only one, or the older of a start-first pair whose new task (another
 * spec) cannot start, there being no node for it. Anything else is a violation.
 */
function standing(live: Task[], global: boolean, violations: string[]): Task[] {
  const bySlot = new Map<string, Task[]>();
  for (const task of live) {
    const key = slotKey(task, global);
    bySlot.set(key, [...(bySlot.get(key) ?? []), task]);
  }
  const result: Task[] = [];
  for (const [key, tasks] of bySlot) {
    const [older, newer, ...more] = [...tasks].sort((a, b) => a.meta.createdAt - b.meta.createdAt);
    if (older === undefined) continue;
    result.push(older);
    if (newer === undefined) continue;
    const waiting =
      more.length === 0 &&
      newer.nodeId === '' &&
      compareTaskStates(newer.status.state, 'running') < 0 &&
      JSON.stringify(newer.spec) !== JSON.stringify(older.spec);
    if (!waiting) violations.push(`slot ${key} has ${tasks.length} live tasks after convergence`);
  }
  return result.sort((a, b) => a.slot - b.slot || (a.nodeId < b.nodeId ? -1 : 1));
}

function matchesSpec(w: World, nodeId: string): boolean {
  const node = w.nodes.get(nodeId);
  return node !== undefined && constraintMatcher(w.service.spec.task.constraints)(node);
}

/** The command that replays `seed` with its trace. */
export function replayCommand(seed: number): string {
  return `ORCHESTRATOR_SEED=${seed} node --import tsx --test --test-force-exit test/orchestrator/orchestrator-properties.test.ts`;
}
