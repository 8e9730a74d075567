/**
 * The progress model of `service create|update|scale` without `--detach`, without I/O: docker's lines
 * (overall count, one bar per slot or node, errors, verify), convergence after the update monitor, a
 * lost convergence, update states, and how the lines are printed on a terminal and elsewhere.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WireNode, WireService, WireServiceSpec, WireTask } from '../../proto/control-types.ts';
import {
  ProgressPrinter,
  ServiceProgress,
  taskLineText,
  truncError,
  waitOnService,
  type ProgressInput,
} from '../../bin/cli/service-progress.ts';

const TASK_SPEC = {
  command: ['sleep', '1000'],
  args: [],
  env: [],
  constraints: [],
  restart: null,
  stopGracePeriodMs: 0,
};

function service(over: Partial<WireServiceSpec> = {}, rest: Partial<WireService> = {}): WireService {
  return {
    id: 'svc1',
    version: 1,
    spec: {
      name: 'web',
      labels: {},
      mode: 'replicated',
      replicas: 3,
      task: TASK_SPEC,
      networks: [],
      endpoint: null,
      update: null,
      ...over,
    },
    previousSpec: null,
    endpoint: null,
    createdAt: 0,
    updatedAt: 0,
    updateStatus: null,
    ...rest,
  };
}

function node(id: string, status = 'ready'): WireNode {
  return {
    id,
    version: 1,
    hostname: id,
    role: 'worker',
    availability: 'active',
    status,
    addr: '',
    managerStatus: '',
    labels: {},
    createdAt: 0,
    updatedAt: 0,
  };
}

function task(slot: number, state: string, over: Partial<WireTask> = {}, err = ''): WireTask {
  return {
    id: `t${slot}-${state}`,
    version: 1,
    serviceId: 'svc1',
    slot,
    nodeId: 'n1',
    desiredState: 'running',
    status: { state, timestamp: 0, message: '', err },
    spec: TASK_SPEC,
    networks: [],
    endpoint: null,
    createdAt: 0,
    updatedAt: 0,
    ...over,
  };
}

const NODES = [node('n1'), node('n2')];
const BAR = (n: number): string => `[${'='.repeat(n)}>${' '.repeat(50 - n)}]`;

function poll(
  model: ServiceProgress,
  nowMs: number,
  tasks: WireTask[],
  s = service(),
  nodes = NODES,
): ReturnType<ServiceProgress['step']> {
  const input: ProgressInput = { nowMs, service: s, tasks, nodes };
  return model.step(input);
}

test("a task's line: its state padded to docker's width and docker's bar, or its error", () => {
  const widths: [string, number][] = [
    ['new', 5],
    ['allocated', 11],
    ['pending', 16],
    ['assigned', 22],
    ['accepted', 27],
    ['preparing', 33],
    ['ready', 38],
    ['starting', 44],
    ['running', 50],
  ];
  for (const [state, filled] of widths) {
    assert.equal(taskLineText(task(1, state)), `${state.padEnd(9)} ${BAR(filled)}`);
  }
  assert.equal(
    taskLineText(task(1, 'running')),
    'running   [==================================================>]',
  );
  assert.equal(taskLineText(task(1, 'failed', {}, 'task: non-zero exit (1)')), 'task: non-zero exit (1)');
  assert.equal(taskLineText(task(1, 'shutdown')), undefined);
  assert.equal(taskLineText(task(1, 'running', { desiredState: 'shutdown' })), undefined);
  assert.equal(truncError('a\nb'), 'a b');
  assert.equal(truncError('x'.repeat(80)), `${'x'.repeat(74)}…`);
  assert.equal(truncError('x'.repeat(75)), 'x'.repeat(75));
});

test('replicated: overall count, one line per slot, then verify for the monitor period and converged', () => {
  const m = new ServiceProgress();
  assert.deepEqual(poll(m, 0, []), { kind: 'wait' });
  assert.deepEqual(m.frame(), ['overall progress: 0 out of 3 tasks', '1/3:', '2/3:', '3/3:']);

  assert.deepEqual(poll(m, 100, [task(1, 'running'), task(2, 'pending'), task(3, 'assigned')]), {
    kind: 'wait',
  });
  assert.deepEqual(m.frame(), [
    'overall progress: 1 out of 3 tasks',
    `1/3: running   ${BAR(50)}`,
    `2/3: pending   ${BAR(16)}`,
    `3/3: assigned  ${BAR(22)}`,
  ]);

  const all = [task(1, 'running'), task(2, 'running'), task(3, 'running')];
  assert.deepEqual(poll(m, 200, all), { kind: 'wait' });
  assert.equal(m.frame().at(-1), 'verify: Waiting 5 seconds to verify that tasks are stable...');
  poll(m, 1300, all);
  assert.equal(m.frame().at(-1), 'verify: Waiting 4 seconds to verify that tasks are stable...');
  assert.deepEqual(poll(m, 5200, all), { kind: 'done' });
  assert.deepEqual(m.frame(), [
    'overall progress: 3 out of 3 tasks',
    `1/3: running   ${BAR(50)}`,
    `2/3: running   ${BAR(50)}`,
    `3/3: running   ${BAR(50)}`,
    'verify: Service converged',
  ]);
});

test("the wait is the spec's update monitor; a lost convergence starts it again", () => {
  const s = service({
    replicas: 1,
    update: {
      parallelism: 1,
      delayMs: 0,
      failureAction: 'pause',
      monitorMs: 100,
      maxFailureRatio: 0,
      order: 'stop-first',
    },
  });
  const m = new ServiceProgress();
  poll(m, 0, [task(1, 'running')], s);
  assert.equal(m.frame().at(-1), 'verify: Waiting 1 seconds to verify that tasks are stable...');
  // The task failed and its replacement is starting: not converged any more.
  const failed = task(1, 'failed', { desiredState: 'shutdown' }, 'task: non-zero exit (1)');
  poll(m, 50, [failed, task(1, 'starting', { id: 'again' })], s);
  assert.deepEqual(m.frame(), [
    'overall progress: 0 out of 1 tasks',
    `1/1: starting  ${BAR(44)}`,
    'verify: Detected task failure',
  ]);
  poll(m, 150, [failed, task(1, 'running', { id: 'again' })], s);
  assert.deepEqual(poll(m, 240, [task(1, 'running', { id: 'again' })], s), { kind: 'wait' });
  assert.deepEqual(poll(m, 250, [task(1, 'running', { id: 'again' })], s), { kind: 'done' });
  assert.equal(m.frame().at(-1), 'verify: Service converged');
});

test('a failing task shows its error and the progress keeps waiting; errors() lists those lines', () => {
  const m = new ServiceProgress();
  const failing = task(2, 'failed', {}, 'task: non-zero exit (1)');
  for (let now = 0; now < 20_000; now += 1000) {
    assert.deepEqual(poll(m, now, [task(1, 'running'), failing, task(3, 'running')]), { kind: 'wait' });
  }
  assert.deepEqual(m.frame(), [
    'overall progress: 2 out of 3 tasks',
    `1/3: running   ${BAR(50)}`,
    '2/3: task: non-zero exit (1)',
    `3/3: running   ${BAR(50)}`,
  ]);
  assert.deepEqual(m.errors(), ['2/3: task: non-zero exit (1)']);
});

test('slots are mapped in order, tasks on down nodes and of an older spec do not count', () => {
  const m = new ServiceProgress();
  const old = task(2, 'running', { spec: { ...TASK_SPEC, args: ['old'] } });
  const down = task(3, 'running', { nodeId: 'n9' });
  poll(m, 0, [task(7, 'running'), task(5, 'preparing'), old, down], service(), [
    node('n1'),
    node('n9', 'down'),
  ]);
  assert.deepEqual(m.frame(), [
    'overall progress: 1 out of 3 tasks',
    `1/3: preparing ${BAR(33)}`,
    `2/3: running   ${BAR(50)}`,
    '3/3:',
  ]);
});

test('more than 20 replicas: only the overall count', () => {
  const m = new ServiceProgress();
  const tasks = Array.from({ length: 21 }, (_, i) => task(i + 1, 'running'));
  poll(m, 0, tasks, service({ replicas: 21 }));
  assert.deepEqual(m.frame(), [
    'overall progress: 21 out of 21 tasks',
    'verify: Waiting 5 seconds to verify that tasks are stable...',
  ]);
});

test('global: waiting for new tasks, then one line per node by short ID', () => {
  const s = service({ mode: 'global', replicas: 0 });
  const a = 'a'.repeat(25);
  const b = 'b'.repeat(25);
  const m = new ServiceProgress();
  poll(m, 0, [], s);
  assert.deepEqual(m.frame(), ['overall progress: waiting for new tasks']);
  const tasks = [task(0, 'running', { nodeId: b }), task(0, 'accepted', { nodeId: a })];
  poll(m, 100, tasks, s, [node(a), node(b)]);
  assert.deepEqual(m.frame(), [
    'overall progress: 1 out of 2 tasks',
    `aaaaaaaaaaaa: accepted  ${BAR(27)}`,
    `bbbbbbbbbbbb: running   ${BAR(50)}`,
  ]);
});

test("update states: docker's messages for a paused update, an early end when completed", () => {
  const paused = service(
    {},
    { updateStatus: { state: 'paused', startedAt: 1, completedAt: 0, message: 'x' } },
  );
  assert.deepEqual(poll(new ServiceProgress(), 0, [], paused), {
    kind: 'failed',
    message: 'service update paused: x',
  });
  const rp = service(
    {},
    { updateStatus: { state: 'rollback_paused', startedAt: 1, completedAt: 0, message: 'y' } },
  );
  assert.deepEqual(poll(new ServiceProgress(), 0, [], rp), {
    kind: 'failed',
    message: 'service rollback paused: y',
  });
  const done = service(
    {},
    { updateStatus: { state: 'completed', startedAt: 1, completedAt: 2, message: '' } },
  );
  assert.deepEqual(poll(new ServiceProgress(), 0, [task(1, 'failed', {}, 'boom')], done), { kind: 'done' });

  const rolling = service(
    {},
    { updateStatus: { state: 'rollback_started', startedAt: 1, completedAt: 0, message: 'update failed' } },
  );
  const m = new ServiceProgress();
  poll(m, 0, [task(1, 'running')], rolling);
  assert.deepEqual(m.frame().slice(0, 2), [
    'rollback: update failed',
    'overall progress: rolling back update: 1 out of 3 tasks',
  ]);
});

test('an update that completes between two polls: the tasks of that poll, then converged', async () => {
  // The sequence `service update --args … --update-monitor 100ms` met in services-converge.test.ts: one
  // poll sees the last new task starting; by the next one (100 ms and three calls later) it ran and the
  // managers completed the update after its 100 ms monitor, so this model never saw all four running.
  const monitored = {
    parallelism: 2,
    delayMs: 0,
    failureAction: 'pause',
    monitorMs: 100,
    maxFailureRatio: 0,
    order: 'stop-first',
  };
  const NEW_SPEC = { ...TASK_SPEC, args: ['v2'] };
  const s = (updateStatus: WireService['updateStatus']): WireService =>
    service({ replicas: 4, task: NEW_SPEC, update: monitored }, { updateStatus });
  const updating = s({ state: 'updating', startedAt: 1, completedAt: 0, message: 'update in progress' });
  const completed = s({ state: 'completed', startedAt: 1, completedAt: 2, message: 'update completed' });
  const fresh = (slot: number, state: string): WireTask => task(slot, state, { spec: NEW_SPEC });
  const old = (slot: number): WireTask => task(slot, 'running', { id: `old${slot}` });
  const polls: [WireService, WireTask[]][] = [
    [updating, [fresh(1, 'running'), fresh(2, 'running'), old(3), old(4)]],
    [updating, [fresh(1, 'running'), fresh(2, 'running'), fresh(3, 'running'), fresh(4, 'starting')]],
    [completed, [1, 2, 3, 4].map(slot => fresh(slot, 'running'))],
  ];
  let i = 0;
  const source = {
    getService: () => Promise.resolve(polls[Math.min(i, polls.length - 1)]![0]),
    listTasks: () => Promise.resolve(polls[Math.min(i++, polls.length - 1)]![1]),
    listNodes: () => Promise.resolve(NODES),
  };
  let out = '';
  await waitOnService(source, 'web', { out: x => (out += x), tty: false, quiet: false, pollMs: 1 });
  assert.equal(i, 3, 'it stopped at the poll that saw the update completed');
  assert.deepEqual(out.split('\n').slice(0, -1), [
    'overall progress: 4 out of 4 tasks',
    ...[1, 2, 3, 4].map(n => `${n}/4: running   ${BAR(50)}`),
    'verify: Service converged',
  ]);

  // Completed, but a task failed since: docker stops there too, showing the tasks as they are.
  const m = new ServiceProgress();
  poll(m, 0, polls[1]![1], updating);
  const failed = fresh(4, 'failed');
  failed.status.err = 'task: non-zero exit (1)';
  assert.deepEqual(poll(m, 150, [...polls[2]![1].slice(0, 3), failed], completed), { kind: 'done' });
  assert.deepEqual(m.frame(), [
    'overall progress: 3 out of 4 tasks',
    ...[1, 2, 3].map(n => `${n}/4: running   ${BAR(50)}`),
    '4/4: task: non-zero exit (1)',
  ]);
});

test('printing: a terminal redraws in place; elsewhere errors once and the final frame once', () => {
  let piped = '';
  const p = new ProgressPrinter(s => (piped += s), false);
  p.update(['overall progress: 0 out of 1 tasks', '1/1: boom'], ['1/1: boom']);
  p.update(['overall progress: 0 out of 1 tasks', '1/1: boom'], ['1/1: boom']);
  p.update(['overall progress: 0 out of 1 tasks', '1/1: starting'], []);
  p.finish(['overall progress: 1 out of 1 tasks', 'verify: Service converged']);
  assert.equal(piped, '1/1: boom\noverall progress: 1 out of 1 tasks\nverify: Service converged\n');

  let tty = '';
  const t = new ProgressPrinter(s => (tty += s), true);
  t.update(['a: 1', 'b: 2'], []);
  t.finish(['a: 3', 'b: 4', 'c: 5']);
  assert.equal(tty, '\r\x1b[2Ka: 1\n\r\x1b[2Kb: 2\n\x1b[2A\r\x1b[2Ka: 3\n\r\x1b[2Kb: 4\n\r\x1b[2Kc: 5\n');
});

test('waitOnService polls until converged, and says nothing with quiet', async () => {
  const s = service({
    replicas: 1,
    update: {
      parallelism: 1,
      delayMs: 0,
      failureAction: 'pause',
      monitorMs: 1,
      maxFailureRatio: 0,
      order: 'stop-first',
    },
  });
  let polls = 0;
  const source = {
    getService: () => Promise.resolve(s),
    listTasks: () => Promise.resolve(polls++ < 2 ? [task(1, 'pending')] : [task(1, 'running')]),
    listNodes: () => Promise.resolve(NODES),
  };
  let out = '';
  await waitOnService(source, 'web', { out: x => (out += x), tty: false, quiet: false, pollMs: 1 });
  assert.equal(
    out,
    `overall progress: 1 out of 1 tasks\n1/1: running   ${BAR(50)}\nverify: Service converged\n`,
  );
  polls = 0;
  out = '';
  await waitOnService(source, 'web', { out: x => (out += x), tty: false, quiet: true, pollMs: 1 });
  assert.equal(out, '');

  const paused = {
    ...source,
    getService: () =>
      Promise.resolve(
        service({}, { updateStatus: { state: 'paused', startedAt: 1, completedAt: 0, message: 'm' } }),
      ),
  };
  await assert.rejects(waitOnService(paused, 'web', { out: () => undefined, tty: false, quiet: true }), {
    message: 'service update paused: m',
  });
});
